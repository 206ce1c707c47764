/**
 * Why Review Uncertain Sentences lists the least certain sentences first, measured by simulation
 * (pool-based active learning; the protocol is in bench/active-learning/simulate.ts):
 *   pool      the bundled labelled sentences (models/sentences.csv), labels hidden until asked
 *   test      the 312 held-out sentences written apart (models/heldout.csv)
 *   backbone  frozen and never trained on a label of the measured task: (1) `mlm`: the offline
 *             model's recipe stopped after its masked-LM stage, both tasks measured; (2) `minilm`:
 *             a random MiniLM-shaped BERT, a weaker second point; (3) `transfer`: the recipe
 *             fine-tuned on one task only, measured on the other (bench/active-learning/transfer.ts)
 *   protocol  the same random first batch for both orders; batches of 20; the heads retrain by
 *             the product's quick-heads path after each batch; 5 seeds; up to the whole pool
 * Writes bench/results/active-learning-<backbone>.{txt,json,svg,png}.
 * `npm run bench:active-learning` (SL_AL_BACKBONES=mlm,minilm,transfer: which of them;
 * SL_AL_MEASURE=topic or sentiment: one of the transfer runs; SL_AL_BACKBONE: another
 * pretrained-only folder for `mlm`; SL_AL_SEEDS=1,2 with SL_AL_RESUME=1:
 * add seeds to a saved run)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Backbone, type LabelledData, embed, loadLabelledData, maskedLmBackbone, randomMiniLmBackbone } from './active-learning/data.js';
import { type Curves, labelsToReach, leadOverFirstHalf, plot, summarize, table } from './active-learning/report.js';
import { type Protocol, simulate } from './active-learning/simulate.js';
import { TRANSFER_TASKS, onlyTask, otherTaskBackbone } from './active-learning/transfer.js';
import { describeMachine } from './machine.js';

// Fixed before any result was seen (not tuned to the target): the full budget is the whole pool.
const SEEDS = (process.env.SL_AL_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
// SL_AL_BUDGET stops earlier, for quick runs only. (Set after the pool is read, below.)
let PROTOCOL: Protocol;
const TABLE_ROWS = [20, 40, 60, 100, 140, 200, 300, 400, 600, 800, 1000, 1060, 1200, 1500, 1800];
const ROOT = resolve('.');
const OUT = resolve('bench/results');

async function runBackbone(backbone: Backbone, data: LabelledData): Promise<string> {
  const curves = await earlierRuns(backbone);
  const todo = SEEDS.filter((x) => !curves.seeds.includes(x));
  if (todo.length === 0) return writeResults(backbone, data, curves);
  const t0 = performance.now();
  const features = await embed(backbone, data);
  console.log(`${backbone.name}: embedded ${data.pool.texts.length + data.test.texts.length} sentences in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  for (const seed of todo) {
    curves.seeds.push(seed);
    for (const strategy of ['uncertainty', 'random'] as const) {
      const t = performance.now();
      curves[strategy].push(await simulate({ data, features, protocol: PROTOCOL }, strategy, seed));
      console.log(`  seed ${seed} ${strategy}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
  }
  return writeResults(backbone, data, curves);
}

const slugOf = (b: Backbone) => b.name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '').toLowerCase();

/**
 * With SL_AL_RESUME=1, the seeds an earlier run of the same protocol saved are kept (a long
 * simulation can be split into runs of a few seeds each); otherwise every seed runs afresh.
 */
async function earlierRuns(backbone: Backbone): Promise<Curves & { seeds: number[] }> {
  const path = join(OUT, `active-learning-${slugOf(backbone)}.json`);
  if (process.env.SL_AL_RESUME === '1' && existsSync(path)) {
    const saved = JSON.parse(await readFile(path, 'utf8')) as { protocol: Protocol; seeds: number[]; curves: Curves };
    if (saved.protocol.batch === PROTOCOL.batch && saved.protocol.budget === PROTOCOL.budget) return { ...saved.curves, seeds: [...saved.seeds] };
  }
  return { uncertainty: [], random: [], seeds: [] };
}

async function writeResults(backbone: Backbone, data: LabelledData, curves: Curves & { seeds: number[] }): Promise<string> {
  const { seeds } = curves;
  const [u, r] = [summarize(curves.uncertainty, data.tasks), summarize(curves.random, data.tasks)];
  const reach = labelsToReach(u, r);
  const verdict = `random order's full budget (${reach.budget} labels): ${(reach.target * 100).toFixed(1)}%; uncertainty-first reaches it with ${reach.labels ?? `more than ${reach.budget}`} labels (${reach.share !== undefined ? `${(reach.share * 100).toFixed(0)}%` : '>100%'} of the budget; target ≤ 50%: ${reach.share !== undefined && reach.share <= 0.5 ? 'met' : 'NOT met'})`;
  const best = (xs: typeof u) => xs.reduce((a, b) => (b.mean > a.mean ? b : a));
  // A stricter reading than the target's: random order's highest mean at any budget (a maximum over noisy means, so biased upwards).
  const bestRandom = best(r);
  const toBest = u.find((x) => x.mean >= bestRandom.mean)?.labels;
  const stricter = `uncertainty-first reaches random order's highest mean with ${toBest ?? `more than ${reach.budget}`} labels${toBest ? ` (${((100 * toBest) / reach.budget).toFixed(0)}% of the budget)` : ''}`;
  const peaks = `highest mean: uncertainty-first ${(best(u).mean * 100).toFixed(1)}% at ${best(u).labels} labels, random order ${(best(r).mean * 100).toFixed(1)}% at ${best(r).labels} labels`;
  const l = leadOverFirstHalf(u, r);
  const lead = `up to half the budget: uncertainty-first ahead at ${l.ahead} of ${l.points} label counts, by ${(l.meanLead * 100).toFixed(1)} points on average (at most ${(l.largest * 100).toFixed(1)})`;
  // A target "reached" while uncertainty-first trails on the way is a dip of random order's curve, not a win.
  const caution = l.meanLead < 0 ? ['caution: uncertainty-first trails random order on average up to half the budget: reaching the full-budget figure is no evidence for it here'] : [];
  const report = [`backbone: ${backbone.description}`, `seeds: ${seeds.join(', ')}`, table(u, r, data.tasks, TABLE_ROWS), '', verdict, peaks, stricter, lead, ...caution].join('\n');
  const slug = slugOf(backbone);
  await writeFile(join(OUT, `active-learning-${slug}.txt`), `${report}\n`);
  await writeFile(join(OUT, `active-learning-${slug}.json`), `${JSON.stringify({ backbone, protocol: PROTOCOL, seeds, curves: { uncertainty: curves.uncertainty, random: curves.random } }, null, 1)}\n`);
  const svg = join(OUT, `active-learning-${slug}.svg`);
  await writeFile(svg, plot(u, r, `Uncertainty-first vs random order: ${backbone.name}`,
    `frozen backbone, quick heads retrained per batch of ${PROTOCOL.batch}, pool ${data.pool.texts.length}, test ${data.test.texts.length} held-out, mean of ${seeds.length} seeds`));
  toPng(svg);
  return report;
}

/** PNG beside the SVG when rsvg-convert is installed (Debian: apt-get install librsvg2-bin). */
function toPng(svg: string): void {
  try {
    execFileSync('rsvg-convert', ['-z', '1.5', '-o', svg.replace(/\.svg$/, '.png'), svg], { stdio: 'pipe' });
  } catch (e) {
    console.log(`no PNG (rsvg-convert is needed: apt-get install librsvg2-bin): ${(e as Error).message.split('\n')[0]}`);
  }
}

console.log(`machine: ${describeMachine()}`);
await mkdir(OUT, { recursive: true });
const data = await loadLabelledData(ROOT);
PROTOCOL = { batch: 20, budget: Number(process.env.SL_AL_BUDGET ?? data.pool.texts.length) };
console.log(`protocol: batches of ${PROTOCOL.batch} up to ${PROTOCOL.budget} labels (pool ${data.pool.texts.length}), seeds ${SEEDS.join(',')}`);
const work = resolve('.cache/active-learning');
const which = (process.env.SL_AL_BACKBONES ?? 'mlm,minilm,transfer').split(',');
const runs: { backbone: () => Promise<Backbone>; data: LabelledData }[] = [
  ...(which.includes('mlm') ? [{ backbone: async () => maskedLmBackbone(ROOT), data }] : []),
  ...(which.includes('minilm') ? [{ backbone: () => randomMiniLmBackbone(work, data.pool.texts), data }] : []),
  ...(which.includes('transfer')
    ? TRANSFER_TASKS.filter((task) => (process.env.SL_AL_MEASURE ?? task) === task).map((task) => ({ backbone: () => otherTaskBackbone(ROOT, maskedLmBackbone(ROOT).dir, task, new AbortController().signal), data: onlyTask(data, task) }))
    : []),
];
for (const run of runs) console.log(`\n${await runBackbone(await run.backbone(), run.data)}`);
