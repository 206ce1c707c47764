/**
 * Why Review Uncertain Sentences lists the least certain sentences first, measured by simulation:
 * a person labels sentences 10 at a time, either those with the smallest margin (top-1 minus top-2
 * probability, the smallest over the tasks) or at random; after each batch the heads are trained
 * afresh on the labels so far (quick heads, backbone frozen) and scored on a test split. Data: the
 * bundled models/sentences.csv; backbone: the bundled offline model's (frozen; its own heads are
 * not used). Averaged over 5 seeds. Writes bench/results/active-learning.{txt,svg,png}.
 * `npm run bench:active-learning`
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readTrainingCsv } from '../src/engine/data/csv.js';
import { SentenceModel } from '../src/engine/inference.js';
import { HeadsClassifier } from '../src/engine/model/heads-classifier.js';
import { type TaskSpec, initHeadWeights } from '../src/engine/model/heads.js';
import { Rng } from '../src/engine/random.js';
import type { RowLabels } from '../src/engine/train/heads-graph.js';
import { gatherRows } from '../src/engine/train/heads-trainer.js';
import { trainHeadsQuick } from '../src/engine/train/quick-heads.js';
import { marginOf } from '../src/extension/labels/margins.js';
import { describeMachine } from './machine.js';
import { renderPlot } from './plot.js';

const SEEDS = [1, 2, 3, 4, 5];
const BATCH = 10;
const BUDGET = 200;
const TEST_FRACTION = 0.3;
type Strategy = 'uncertainty' | 'random';

const model = await SentenceModel.load(resolve('models/offline'), { device: 'cpu', maxLength: 128 });
const csv = await readTrainingCsv(resolve('models/sentences.csv'));
const tasks: TaskSpec[] = model.tasks.map((t) => ({ name: t.name, labels: [...t.labels] }));
const hidden = model.dim;
const texts = csv.rows.map((r) => r.text);
const pooled = new Float32Array(texts.length * hidden);
(await model.run(texts)).forEach((r, i) => pooled.set(r.embedding, i * hidden));
await model.release();
const labels: RowLabels[] = csv.rows.map((r) =>
  Object.fromEntries(tasks.map((t) => {
    const col = csv.tasks.find((c) => c.name === t.name)!;
    const y = r.labels[t.name];
    return [t.name, y === null || y === undefined ? null : t.labels.indexOf(col.labels[y]!)];
  })),
);

async function accuracyAndMargins(heads: Awaited<ReturnType<typeof trainHeadsQuick>>['heads'], test: number[], pool: number[]) {
  const c = await HeadsClassifier.create(hidden, tasks, heads);
  try {
    const t = await c.classify(gatherRows(pooled, hidden, test));
    const acc: Record<string, number> = {};
    for (const task of tasks) acc[task.name] = t.filter((r, i) => r[task.name]!.label === task.labels[labels[test[i]!]![task.name]!]).length / test.length;
    const p = pool.length ? await c.classify(gatherRows(pooled, hidden, pool)) : [];
    const margins = p.map((r) => Math.min(...tasks.map((task) => marginOf(r[task.name]!.probs).margin)));
    return { acc, margins };
  } finally {
    await c.release();
  }
}

async function run(strategy: Strategy, seed: number, test: number[], poolAll: number[]): Promise<{ n: number; acc: Record<string, number> }[]> {
  // The same first batch (a random one) for both strategies; then each picks its own.
  let pool = new Rng(seed * 7919).shuffle([...poolAll]);
  let labelled = pool.slice(0, BATCH);
  pool = pool.slice(BATCH);
  const rng = new Rng(seed * 7919 + 1);
  const curve: { n: number; acc: Record<string, number> }[] = [];
  for (;;) {
    const heads = initHeadWeights(tasks, hidden, seed);
    const trained = await trainHeadsQuick({ hidden, tasks, heads, pooled: gatherRows(pooled, hidden, labelled), rows: labelled.map((i) => labels[i]!), steps: 150, seed });
    const { acc, margins } = await accuracyAndMargins(trained.heads, test, pool);
    curve.push({ n: labelled.length, acc });
    if (labelled.length >= BUDGET) return curve;
    const order = pool.map((_, i) => i);
    if (strategy === 'uncertainty') order.sort((a, b) => margins[a]! - margins[b]!);
    else rng.shuffle(order);
    const take = new Set(order.slice(0, BATCH));
    labelled = [...labelled, ...pool.filter((_, i) => take.has(i))];
    pool = pool.filter((_, i) => !take.has(i));
  }
}

console.log(`machine: ${describeMachine()}`);
console.log(`data: ${texts.length} bundled sentences, ${Math.round(TEST_FRACTION * 100)}% test; backbone: offline model (frozen); batches of ${BATCH} up to ${BUDGET} labels; ${SEEDS.length} seeds`);
const curves: Record<Strategy, { n: number; acc: Record<string, number> }[][]> = { uncertainty: [], random: [] };
for (const seed of SEEDS) {
  const order = new Rng(seed).shuffle(texts.map((_, i) => i));
  const cut = Math.round(order.length * TEST_FRACTION);
  const [test, pool] = [order.slice(0, cut), order.slice(cut)];
  for (const s of ['uncertainty', 'random'] as const) curves[s].push(await run(s, seed, test, pool));
}
const mean = (s: Strategy, k: number, task?: string) => {
  const xs = curves[s].map((c) => (task ? c[k]!.acc[task]! : tasks.reduce((a, t) => a + c[k]!.acc[t.name]!, 0) / tasks.length));
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};
const ns = curves.uncertainty[0]!.map((p) => p.n);
const lines = ['| labels | uncertainty-first (mean of tasks) | random (mean of tasks) | ' + tasks.map((t) => `${t.name}: unc. / random`).join(' | ') + ' |', `|--:|--:|--:|${tasks.map(() => '--:').join('|')}|`];
ns.forEach((n, k) => {
  if (![10, 20, 30, 40, 50, 60, 80, 100, 150, 200].includes(n)) return;
  lines.push(`| ${n} | ${(mean('uncertainty', k) * 100).toFixed(1)}% | ${(mean('random', k) * 100).toFixed(1)}% | ${tasks.map((t) => `${(mean('uncertainty', k, t.name) * 100).toFixed(1)}% / ${(mean('random', k, t.name) * 100).toFixed(1)}%`).join(' | ')} |`);
});
const finalRandom = mean('random', ns.length - 1);
const reach = ns.find((_, k) => mean('uncertainty', k) >= finalRandom);
const summary = `random order's full budget (${BUDGET} labels): ${(finalRandom * 100).toFixed(1)}%; uncertainty-first reaches it with ${reach ?? `more than ${BUDGET}`} labels (${reach ? ((reach / BUDGET) * 100).toFixed(0) : '>100'}% of the budget; target ≤ 50%)`;
const report = [...lines, '', summary].join('\n');
console.log(report);
writeFileSync(resolve('bench/results/active-learning.txt'), `${report}\n`);
const svg = renderPlot({
  title: 'Accuracy vs labels: uncertainty-first vs random order',
  subtitle: `offline-model backbone (frozen), fresh heads, bundled data (${Math.round(TEST_FRACTION * 100)}% test), mean of ${SEEDS.length} seeds`,
  xLabel: 'labelled sentences',
  yLabel: 'test accuracy (mean of topic and sentiment)',
  series: [
    { name: 'uncertainty-first (smallest margin)', color: '#1f77b4', points: ns.map((n, k) => [n, mean('uncertainty', k)] as const) },
    { name: 'random order', color: '#d62728', points: ns.map((n, k) => [n, mean('random', k)] as const) },
  ],
});
writeFileSync(resolve('bench/results/active-learning.svg'), svg);
try {
  // ImageMagick renders SVG through rsvg-convert (Debian: apt-get install imagemagick librsvg2-bin).
  execFileSync('convert', ['-density', '150', resolve('bench/results/active-learning.svg'), resolve('bench/results/active-learning.png')], { stdio: 'pipe' });
  console.log('wrote bench/results/active-learning.{txt,svg,png}');
} catch (e) {
  console.log(`wrote bench/results/active-learning.{txt,svg}; no PNG: ImageMagick's convert with rsvg-convert is needed (apt-get install imagemagick librsvg2-bin): ${(e as Error).message.split('\n')[0]}`);
}
