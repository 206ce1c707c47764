/**
 * Teach in place: time from choosing a label to the refreshed decorations, over the real model
 * server (dist/server.js via the extension's ServerClient), as the extension does it: write the
 * correction to the labels CSV (1,000 rows already there), wait the retrain debounce, retrain the
 * heads (sentenceLens/retrainHeads), re-classify the open document's 40 sentences. Measured for the
 * bundled offline model and a MiniLM-shaped model (random weights + random heads), CPU. The
 * baseline in the same run: re-classifying the same document alone (what any refresh costs).
 * Decoration painting in VS Code is not included. `npm run bench:teach` (builds first).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { csvField, setLabel, updateLabelsFile } from '../src/engine/data/labels-file.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { DEFAULT_TASKS, initHeadWeights } from '../src/engine/model/heads.js';
import { writeHeads } from '../src/engine/model/tasks-file.js';
import { RETRAIN_DEBOUNCE_MS } from '../src/extension/labels/labels-settings.js';
import { ServerClient } from '../src/extension/server-client.js';
import type { Classification, LabelsHeadsParams } from '../src/protocol.js';
import { describeMachine } from './machine.js';
import { SHAPES, generateShapeFolder } from './shapes.js';

const ROWS = 1000;
const DOC = 40;
const RUNS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const leastLikely = (c: Classification, task: string) => Object.entries(c.tasks[task]!.probs).sort((a, b) => a[1] - b[1])[0]![0];

async function measure(name: string, model: string, target: number, work: string, bundled: string[]): Promise<void> {
  const ws = join(work, name.replace(/\W+/g, '-'));
  await mkdir(join(ws, '.sentence-lens'), { recursive: true });
  const labels: LabelsHeadsParams = { labelsFile: join(ws, '.sentence-lens', 'labels.csv'), headsDir: join(ws, '.sentence-lens', 'labels-heads'), mixTrainingData: true, userWeight: 5 };
  // 1,000 labelled sentences: bundled ones and variants of them, with the bundled labels.
  const rows = parse(await readFile(resolve('models/sentences.csv'), 'utf8'), { columns: true }) as { sentence: string; topic: string; sentiment: string }[];
  const lines = Array.from({ length: ROWS }, (_, i) => {
    const r = rows[i % rows.length]!;
    const s = i < rows.length ? r.sentence : `${r.sentence} (again, ${i})`;
    return [s, r.topic, r.sentiment].map(csvField).join(',');
  });
  await writeFile(labels.labelsFile, `sentence,topic,sentiment\n${lines.join('\n')}\n`);
  const doc = Array.from({ length: DOC }, (_, i) => `${bundled[(i * 7) % bundled.length]} Noted on day ${i}.`);

  const c = new ServerClient({ serverPath: resolve('dist/server.js'), log: () => {} });
  try {
    let t = performance.now();
    await c.load({ model, device: 'cpu', labels });
    const loadMs = performance.now() - t;
    t = performance.now();
    const first = await c.retrainHeads(labels);
    const firstMs = performance.now() - t;
    let { results } = await c.classify({ texts: doc });
    const refresh: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await c.classify({ texts: doc });
      refresh.push(performance.now() - t);
    }
    const total: number[] = [];
    const retrain: number[] = [];
    let changed = 0;
    for (let i = 0; i < RUNS; i++) {
      const sentence = doc[i]!;
      const want = leastLikely(results[i]!, 'sentiment');
      t = performance.now();
      await updateLabelsFile(labels.labelsFile, (tbl) => setLabel(tbl, sentence, 'sentiment', want));
      await new Promise((r) => setTimeout(r, RETRAIN_DEBOUNCE_MS));
      const r = await c.retrainHeads(labels);
      const after = await c.classify({ texts: doc });
      total.push(performance.now() - t);
      retrain.push(r.trainMs);
      if (after.results[i]!.tasks['sentiment']!.label === want) changed++;
      results = after.results;
    }
    const med = median(total);
    console.log(`\n${name}: load ${loadMs.toFixed(0)} ms; first retrain with ${ROWS} labelled rows (embeds them and the bundled data once) ${firstMs.toFixed(0)} ms, ${first.unfit.length} not fitted`);
    console.log(`  label → refreshed decorations (${DOC}-sentence document, ${RUNS} corrections): median ${med.toFixed(0)} ms, max ${Math.max(...total).toFixed(0)} ms (debounce ${RETRAIN_DEBOUNCE_MS} ms + retrain median ${median(retrain).toFixed(0)} ms + refresh); target ≤ ${target} ms → ${(med / target).toFixed(2)} of target`);
    console.log(`  baseline, re-classify the document alone: ${median(refresh).toFixed(0)} ms → label-to-decoration is ${(med / median(refresh)).toFixed(1)}× a plain refresh; ${changed} of ${RUNS} corrections changed the decoration`);
  } finally {
    await c.dispose();
  }
}

const work = await mkdtemp(join(tmpdir(), 'sl-bench-teach-'));
try {
  console.log(`machine: ${describeMachine()}`);
  const bundled = await readBundledSentences();
  await measure('offline model (2 × 128)', resolve('models/offline'), 1000, work, bundled);
  const minilm = join(work, 'minilm');
  await generateShapeFolder(minilm, SHAPES.minilm, bundled);
  await writeHeads(minilm, { tasks: DEFAULT_TASKS, pooling: 'mean' }, initHeadWeights(DEFAULT_TASKS, SHAPES.minilm.hidden, 1, 0.5));
  await measure(SHAPES.minilm.name, minilm, 3000, work, bundled);
} finally {
  await rm(work, { recursive: true, force: true });
}
