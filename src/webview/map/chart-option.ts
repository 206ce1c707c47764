/**
 * The picture of a sentence map as an Apache ECharts option: one scatter series per (label,
 * confidence band), so colour says the label and opacity the model's confidence, rings on the
 * disagreements, markers for search hits and the editor's sentence, the method in a corner.
 * Pure (no echarts import at run time): the map webview, the CLI's HTML report and its PNG all
 * draw from this one function.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { colourLabel, confidence, disagreements, type SentenceMapData } from '../../engine/map/map-data.js';

export interface MapTheme {
  readonly background: string;
  readonly foreground: string;
  /** Secondary text: the corner note, the legend when a label is hidden. */
  readonly muted: string;
  /** Label colours, in label order; repeats past its end. */
  readonly palette: readonly string[];
  /** Ring around a disagreement. */
  readonly ring: string;
  /** Search hits and the editor's sentence. */
  readonly highlight: string;
  readonly fontFamily: string;
  readonly fontSize: number;
}

export interface MapView {
  /** The task whose labels colour the points. */
  readonly task: string;
  /** Points the search matched. */
  readonly matches?: readonly number[];
  /** The point of the sentence at the editor's cursor. */
  readonly current?: number;
  /** Draw for a still image: no zoom, brush or tooltip machinery. */
  readonly still?: boolean;
}

/** Which point each data item of each series is: seriesPoints[seriesIndex][dataIndex]. */
export interface MapChart {
  readonly option: EChartsCoreOption;
  readonly seriesPoints: readonly (readonly number[])[];
}

/** Confidence bands, highest first: a point's opacity says how sure the model is. */
export const CONFIDENCE_BANDS = [
  { min: 0.8, opacity: 0.95, name: 'sure' },
  { min: 0.55, opacity: 0.6, name: 'less sure' },
  { min: 0, opacity: 0.3, name: 'unsure' },
] as const;

/** Above this many points ECharts draws each series as one batched path ("large" mode). */
const LARGE = 2000;
const POINT_SIZE = 7;

export function mapChartOption(data: SentenceMapData, view: MapView, theme: MapTheme): MapChart {
  const task = data.tasks.find((t) => t.name === view.task) ?? data.tasks[0];
  const series: object[] = [];
  const seriesPoints: number[][] = [];
  const add = (points: number[], s: object) => {
    if (points.length === 0) return;
    series.push({ type: 'scatter', large: points.length > LARGE, largeThreshold: LARGE, animation: false, data: points.map((i) => [data.xy[2 * i], data.xy[2 * i + 1]]), ...s });
    seriesPoints.push(points);
  };
  const labels = task?.labels ?? ['sentence'];
  const labelSeries: number[] = [];
  labels.forEach((label, l) => {
    CONFIDENCE_BANDS.forEach((band, b) => {
      const points = pointsWhere(data, (i) => (task ? colourLabel(data, task.name, i) === l && bandOf(confidence(data, task.name, i)) === b : l === 0));
      if (points.length > 0) labelSeries.push(series.length);
      add(points, { name: label, symbolSize: POINT_SIZE, itemStyle: { color: colour(theme, l), opacity: band.opacity }, emphasis: { scale: 1.6 } });
    });
  });
  const wrong = task ? disagreements(data, task.name) : [];
  add(wrong, ringSeries(`disagreements (${wrong.length})`, theme.ring, POINT_SIZE + 5));
  add([...(view.matches ?? [])], ringSeries('search', theme.highlight, POINT_SIZE + 9, 2.5));
  if (view.current !== undefined) add([view.current], { name: 'cursor', symbol: 'pin', symbolSize: 26, symbolOffset: [0, '-50%'], z: 5, itemStyle: { color: theme.highlight }, silent: true });

  const legendNames = [...labels, ...(wrong.length > 0 || data.values[task?.name ?? '']?.gold ? [`disagreements (${wrong.length})`] : [])];
  const option: EChartsCoreOption = {
    animation: false,
    backgroundColor: theme.background,
    textStyle: { color: theme.foreground, fontFamily: theme.fontFamily, fontSize: theme.fontSize },
    grid: { left: 16, right: 16, top: 40, bottom: 36, containLabel: false },
    xAxis: { type: 'value', scale: true, show: false },
    yAxis: { type: 'value', scale: true, show: false },
    legend: { data: legendNames, top: 6, left: 'center', textStyle: { color: theme.foreground }, inactiveColor: theme.muted, icon: 'circle' },
    // Bottom-left and left-aligned: a still image measures text by estimate, which must not clip it.
    graphic: [{ type: 'text', left: 16, bottom: 10, style: { text: cornerNote(data), fill: theme.muted, font: `${theme.fontSize - 1}px ${theme.fontFamily}` } }],
    series,
  };
  if (!view.still) {
    Object.assign(option, {
      dataZoom: [
        { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
        { type: 'inside', yAxisIndex: 0, filterMode: 'none' },
      ],
      // Only the label series take part: the rings and markers are drawn over the same points.
      brush: { toolbox: ['rect', 'polygon', 'clear'], xAxisIndex: 0, seriesIndex: labelSeries, throttleType: 'debounce', throttleDelay: 150, outOfBrush: { colorAlpha: 0.15 } },
      toolbox: { show: false },
    });
  }
  return { option, seriesPoints };
}

function ringSeries(name: string, colour: string, size: number, width = 1.5): object {
  return { name, symbolSize: size, z: 3, itemStyle: { color: 'transparent', borderColor: colour, borderWidth: width }, silent: true };
}

/** "UMAP · n_neighbors 15 · min_dist 0.1 · epochs 200 · seed 42 · 2,000 sentences" */
export function cornerNote(data: SentenceMapData): string {
  const params = Object.entries(data.params).map(([k, v]) => `${k} ${v}`);
  return [data.method.toUpperCase(), ...params, `${data.texts.length.toLocaleString('en')} sentences`].join(' · ');
}

function bandOf(p: number): number {
  return CONFIDENCE_BANDS.findIndex((b) => p >= b.min);
}

function colour(theme: MapTheme, label: number): string {
  return theme.palette[label % theme.palette.length]!;
}

function pointsWhere(data: SentenceMapData, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.texts.length; i++) if (keep(i)) out.push(i);
  return out;
}
