/**
 * The final report, after the model is built: the ONLY place the held-out set is read.
 * Accuracy and macro-F1 per task on models/heldout.csv, the share of paraphrase pairs
 * (models/paraphrases.csv) whose partner is the nearest neighbour, size on disk, load time
 * and single-sentence latency.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { SentenceModel } from '../../src/engine/inference.js';
import { ConfusionMatrix } from '../../src/engine/train/metrics.js';
import { paraphraseShare } from './nearest.js';

export const HELDOUT_FILE = 'heldout.csv';

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await folderBytes(p) : (await stat(p)).size;
  }
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timings(dir: string): Promise<{ loadMs: number; classifyMs: number }> {
  const loads: number[] = [];
  let model: SentenceModel | undefined;
  for (let i = 0; i < 5; i++) {
    await model?.release();
    const t = performance.now();
    model = await SentenceModel.load(dir, { device: 'cpu' });
    loads.push(performance.now() - t);
  }
  const runs: number[] = [];
  const sentence = 'The new bakery on the corner makes wonderful sourdough bread.';
  for (let i = 0; i < 60; i++) {
    const t = performance.now();
    await model!.run([sentence]);
    if (i >= 10) runs.push(performance.now() - t);
  }
  await model!.release();
  return { loadMs: median(loads), classifyMs: median(runs) };
}

async function heldOut(model: SentenceModel, root: string) {
  const rows = parse(await readFile(join(root, 'models', HELDOUT_FILE), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const results = await model.run(rows.map((r) => r['sentence']!));
  const out: Record<string, { accuracy: number; macroF1: number; count: number }> = {};
  for (const task of model.tasks) {
    const m = new ConfusionMatrix([...task.labels]);
    rows.forEach((r, i) => m.add(task.labels.indexOf(r[task.name]!), task.labels.indexOf(results[i]!.tasks[task.name]!.label)));
    const metrics = m.metrics(Number.NaN);
    out[task.name] = { accuracy: metrics.accuracy, macroF1: metrics.macroF1, count: metrics.count };
  }
  return out;
}

export async function finalReport(dir: string, root: string) {
  const { loadMs, classifyMs } = await timings(dir);
  const model = await SentenceModel.load(dir, { device: 'cpu' });
  try {
    return { heldOut: await heldOut(model, root), paraphrases: await paraphraseShare(model, join(root, 'models', 'paraphrases.csv')), sizeBytes: await folderBytes(dir), loadMs, classifyMs };
  } finally {
    await model.release();
  }
}
