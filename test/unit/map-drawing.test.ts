/**
 * The map's picture, read back from the SVG that ECharts draws from mapChartOption (the same
 * option the webview draws on its canvas): one dot per sentence in its label's colour, opacity by
 * confidence, a ring per disagreement, search rings, and the method in the corner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMapSvg } from '../../src/cli/map/image.js';
import type { SentenceMapData } from '../../src/engine/map/map-data.js';
import { CONFIDENCE_BANDS, cornerNote, mapChartOption } from '../../src/webview/map/chart-option.js';
import { describePoint } from '../../src/webview/map/map-canvas.js';
import { LIGHT } from '../../src/webview/map/themes.js';

const LABELS = ['food', 'reading', 'sports'];

/** n points; point i predicted label i % 3 with probability `sure(i)`; gold as given. */
function makeMap(n: number, options: { gold?: (i: number) => number; sure?: (i: number) => number } = {}): SentenceMapData {
  const sure = options.sure ?? (() => 0.9);
  const predicted = Array.from({ length: n }, (_, i) => i % 3);
  const probs = predicted.flatMap((p, i) => LABELS.map((_, j) => (j === p ? sure(i) : (1 - sure(i)) / 2)));
  const gold = options.gold ? Array.from({ length: n }, (_, i) => options.gold!(i)) : undefined;
  return {
    texts: Array.from({ length: n }, (_, i) => `Sentence ${i} about ${LABELS[i % 3]}.`),
    xy: Array.from({ length: 2 * n }, (_, k) => Math.sin(k * 12.9898) * 10),
    method: 'umap',
    params: { n_neighbors: 15, min_dist: 0.1, epochs: 200, seed: 42 },
    tasks: [{ name: 'topic', labels: LABELS }],
    values: { topic: gold ? { predicted, probs, gold } : { predicted, probs } },
    notes: [],
    timings: { embedMs: 0, projectMs: 0 },
  };
}

interface Dot {
  fill: string;
  opacity: number;
  stroke?: string;
  series: number;
}

/** Every data symbol in the SVG (ECharts tags them with their series and data index; legend icons are type "legend"). */
function dots(svg: string): Dot[] {
  return [...svg.matchAll(/<path [^>]*ecmeta_data_index="\d+"[^>]*ecmeta_ssr_type="chart"[^>]*>/g)].map(([tag]) => ({
    fill: /fill="([^"]+)"/.exec(tag)![1]!,
    opacity: Number(/fill-opacity="([^"]+)"/.exec(tag)?.[1] ?? 1),
    stroke: /stroke="([^"]+)"/.exec(tag)?.[1],
    series: Number(/ecmeta_series_index="(\d+)"/.exec(tag)![1]),
  }));
}

const draw = (data: SentenceMapData) => renderMapSvg(data, 'topic', LIGHT, { width: 600, height: 400 });

test('one dot per sentence, in the colour of its predicted label', () => {
  const svg = draw(makeMap(30));
  const filled = dots(svg).filter((d) => d.fill !== 'none');
  assert.equal(filled.length, 30);
  LABELS.forEach((_, l) => assert.equal(filled.filter((d) => d.fill === LIGHT.palette[l]).length, 10, `label ${l}`));
});

test('gold labels colour the dots, and each disagreement gets a ring', () => {
  // Points 0, 3, 6 are labelled 'sports' (2) but predicted 'food' (0); point 1 has no label.
  const data = makeMap(30, { gold: (i) => (i === 1 ? -1 : [0, 3, 6].includes(i) ? 2 : i % 3) });
  const all = dots(draw(data));
  const filled = all.filter((d) => d.fill !== 'none');
  assert.equal(filled.filter((d) => d.fill === LIGHT.palette[0]).length, 7);
  assert.equal(filled.filter((d) => d.fill === LIGHT.palette[2]).length, 13);
  const rings = all.filter((d) => d.fill === 'none' && d.stroke === LIGHT.ring);
  assert.equal(rings.length, 3);
  const legend = (mapChartOption(data, { task: 'topic' }, LIGHT).option['legend'] as { data: string[] }).data;
  assert.deepEqual(legend, [...LABELS, 'disagreements (3)']);
});

test('opacity says how sure the model is', () => {
  const svg = draw(makeMap(9, { sure: (i) => [0.95, 0.6, 0.4][Math.floor(i / 3)]! }));
  const opacities = dots(svg).map((d) => d.opacity).sort();
  const expected = [0, 0, 0, 1, 1, 1, 2, 2, 2].map((b) => CONFIDENCE_BANDS[b]!.opacity).sort();
  assert.deepEqual(opacities, expected);
});

test('search matches and the editor’s sentence are marked; the points map back to sentences', () => {
  const data = makeMap(12);
  const { option, seriesPoints } = mapChartOption(data, { task: 'topic', matches: [4, 7], current: 5 }, LIGHT);
  const series = option['series'] as { name: string; data: number[][] }[];
  const search = series.findIndex((s) => s.name === 'search');
  assert.deepEqual(seriesPoints[search], [4, 7]);
  assert.deepEqual(series[search]!.data, [[data.xy[8], data.xy[9]], [data.xy[14], data.xy[15]]]);
  const cursor = series.findIndex((s) => s.name === 'cursor');
  assert.deepEqual(seriesPoints[cursor], [5]);
  // Every point is drawn exactly once among the label series.
  const labelled = series.flatMap((s, k) => (LABELS.includes(s.name) ? seriesPoints[k]! : [])).sort((a, b) => a - b);
  assert.deepEqual(labelled, Array.from({ length: 12 }, (_, i) => i));
});

test('the corner names the method and its parameters; hover text gives the sentence and probabilities', () => {
  const data = makeMap(3, { gold: () => 1 });
  assert.equal(cornerNote(data), 'UMAP · n_neighbors 15 · min_dist 0.1 · epochs 200 · seed 42 · 3 sentences');
  assert.match(draw(data), /UMAP · n_neighbors 15/);
  assert.equal(describePoint(data, 2), 'Sentence 2 about sports.\ntopic: sports 90% · food 5% · reading 5% (labelled reading)');
});
