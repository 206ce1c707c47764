/**
 * Sentence map benchmark (`npm run bench:map`, builds first), on the CPU with the bundled offline
 * model:
 *   - 2,000 sentences: embedding, projection and drawing, in-process (engine) and through the
 *     model server as the extension asks for it, against the 5 s target;
 *   - projection baseline: umap-js with its own defaults (500 epochs below 10,000 points) on the
 *     same embeddings, as a ratio;
 *   - drawing: the PNG (ECharts SVG + resvg) for 2,000 and 10,000 points, and the interactive
 *     canvas in chromium with 10,000 points: first paint, then frame rate while zooming and panning.
 * Medians of 3 runs. Figures on a shared machine are noisy: re-run on a quiet one.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UMAP } from 'umap-js';
import { offlineModelDir, mapReportScript } from '../src/bundled-files.js';
import { renderMapSvg, svgToPng } from '../src/cli/map/image.js';
import { reportHtml } from '../src/cli/map/report-html.js';
import { SentenceModel } from '../src/engine/inference.js';
import { buildSentenceMap } from '../src/engine/map/build-map.js';
import type { SentenceMapData } from '../src/engine/map/map-data.js';
import { project } from '../src/engine/map/projection.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { Rng } from '../src/engine/random.js';
import { ServerClient } from '../src/extension/server-client.js';
import { LIGHT } from '../src/webview/map/themes.js';
import { describeMachine } from './machine.js';

const RUNS = 3;
const TARGET_MS = 5000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** 2,000 distinct sentences: the bundled ones, then pairs of them. */
async function sentences(n: number): Promise<string[]> {
  const bundled = await readBundledSentences();
  return Array.from({ length: n }, (_, i) => (i < bundled.length ? bundled[i]! : `${bundled[i % bundled.length]} ${bundled[(i * 7 + 3) % bundled.length]}`));
}

/** A map of n points in three Gaussian clusters (drawing cost does not depend on where points came from). */
function syntheticMap(n: number): SentenceMapData {
  const rng = new Rng(1);
  const labels = ['food', 'reading', 'sports'];
  const predicted = Array.from({ length: n }, (_, i) => i % 3);
  return {
    texts: predicted.map((l, i) => `Sentence ${i} about ${labels[l]}.`),
    xy: predicted.flatMap((l) => [l * 6 + rng.normal(), (l % 2) * 5 + rng.normal()]),
    method: 'umap',
    params: { seed: 1 },
    tasks: [{ name: 'topic', labels }],
    values: { topic: { predicted, probs: predicted.flatMap((l) => labels.map((_, j) => (j === l ? 0.8 : 0.1))), gold: predicted.map((l, i) => (i % 50 === 0 ? (l + 1) % 3 : l)) } },
    notes: [],
    timings: { embedMs: 0, projectMs: 0 },
  };
}

async function engineRuns(model: SentenceModel, texts: string[]) {
  const embed: number[] = [];
  const projectMs: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const e = await timed(() => model.run(texts));
    embed.push(e.ms);
    const vectors = e.value.map((x) => x.embedding);
    projectMs.push((await timed(() => project(vectors, { seed: 42 }))).ms);
    baseline.push((await timed(async () => umapDefaults(vectors))).ms);
  }
  return { embed: median(embed), project: median(projectMs), baseline: median(baseline) };
}

/** umap-js as its README uses it: its own epoch count and neighbour search, on unit vectors like ours. */
function umapDefaults(vectors: Float32Array[]): number[][] {
  const rng = new Rng(42);
  const rows = vectors.map((v) => {
    const n = Math.hypot(...v) || 1;
    return Array.from(v, (x) => x / n);
  });
  return new UMAP({ nComponents: 2, random: () => rng.next() }).fit(rows);
}

async function serverRuns(texts: string[]): Promise<{ total: number; embed: number; project: number }> {
  const client = new ServerClient({ serverPath: resolve('dist/server.js'), log: () => undefined });
  try {
    await client.load({ model: offlineModelDir(), device: 'cpu' });
    const runs: { total: number; embed: number; project: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      const { ms: total, value } = await timed(() => client.map({ source: { kind: 'texts', texts } }));
      runs.push({ total, embed: value.timings.embedMs, project: value.timings.projectMs });
    }
    return runs.sort((a, b) => a.total - b.total)[Math.floor(RUNS / 2)]!;
  } finally {
    await client.dispose();
  }
}

async function pngMs(data: SentenceMapData): Promise<number> {
  const size = { width: 1200, height: 800 };
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) times.push((await timed(() => svgToPng(renderMapSvg(data, 'topic', LIGHT, size), size, 'Liberation Sans'))).ms);
  return median(times);
}

/** First paint and frame intervals while wheel-zooming and drag-panning the report's canvas in chromium. */
async function browserDrawing(data: SentenceMapData): Promise<{ firstPaintMs: number; zoomFps: number; panFps: number }> {
  const file = join(tmpdir(), `sl-bench-map-${process.pid}.html`);
  await writeFile(file, reportHtml(data, { title: 'bench', task: 'topic', theme: LIGHT, script: await readFile(mapReportScript(), 'utf8') }));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 }, bypassCSP: true })).newPage();
    const t0 = performance.now();
    await page.goto(`file://${file}`);
    await page.locator('#map[data-points]').waitFor();
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const firstPaintMs = performance.now() - t0;
    const box = (await page.locator('#map').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const fps = async (interact: () => Promise<void>) => {
      // Strings, not functions: tsx would wrap named functions in a helper the page does not have.
      await page.evaluate(`window.frames_ = []; window.stop_ = false;
        const tick = (t) => { window.frames_.push(t); if (!window.stop_) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);`);
      await interact();
      const frames = (await page.evaluate('window.stop_ = true; window.frames_')) as number[];
      const span = frames.at(-1)! - frames[0]!;
      return ((frames.length - 1) / span) * 1000;
    };
    await page.mouse.move(cx, cy);
    const zoomFps = await fps(async () => {
      for (let i = 0; i < 40; i++) await page.mouse.wheel(0, i < 20 ? -120 : 120);
    });
    const panFps = await fps(async () => {
      await page.mouse.down();
      for (let i = 0; i < 60; i++) await page.mouse.move(cx + 200 * Math.sin(i / 10), cy + 100 * Math.cos(i / 10));
      await page.mouse.up();
    });
    return { firstPaintMs, zoomFps, panFps };
  } finally {
    await browser.close();
    await rm(file, { force: true });
  }
}

console.log(`machine: ${describeMachine()}`);
const texts = await sentences(2000);
const model = await SentenceModel.load(offlineModelDir(), { device: 'cpu' });
await model.run(texts.slice(0, 64)); // warm-up: thread pool, first-run allocations
console.log(`model: bundled offline model (${model.model.config.numLayers} layers × ${model.dim}), cpu; ${texts.length} sentences; medians of ${RUNS}`);
const engine = await engineRuns(model, texts);
const engineMap = await buildSentenceMap(model, { texts });
await model.release();
const png2k = await pngMs(engineMap);
const total = engine.embed + engine.project;
console.log(`engine: embedding ${ms(engine.embed)} + projection ${ms(engine.project)} = ${ms(total)} (target ${ms(TARGET_MS)}: ${(total / TARGET_MS).toFixed(2)}× of it); PNG drawing ${ms(png2k)}`);
console.log(`projection baseline, umap-js defaults (500 epochs): ${ms(engine.baseline)}; ours ${(engine.baseline / engine.project).toFixed(2)}× faster`);
const server = await serverRuns(texts);
console.log(`through the model server (request → map back in the extension host): ${ms(server.total)} (embedding ${ms(server.embed)}, projection ${ms(server.project)}, IPC + JSON ${ms(server.total - server.embed - server.project)}); ${(server.total / TARGET_MS).toFixed(2)}× of the target`);
const big = syntheticMap(10_000);
console.log(`PNG drawing, 10,000 points: ${ms(await pngMs(big))}`);
const browser = await browserDrawing(big);
console.log(`chromium canvas, 10,000 points (software rendering, --disable-gpu): first paint ${ms(browser.firstPaintMs)}; wheel zoom ${browser.zoomFps.toFixed(0)} fps; drag pan ${browser.panFps.toFixed(0)} fps (60 fps = 1.00×: ${(browser.zoomFps / 60).toFixed(2)}×, ${(browser.panFps / 60).toFixed(2)}×)`);
