/**
 * Pool-based active learning, simulated: a person labels the pool k sentences at a time, chosen
 * either least-certain-first (as Review Uncertain Sentences lists them) or in random order; after
 * each batch the heads retrain on the labels so far by the product's quick-heads path and are
 * scored on the test set.
 *
 * Matching the product:
 *   - ranking: per task, by margin (top-1 minus top-2 probability), least certain first
 *     (src/extension/labels/margins.ts, one list per task); a batch takes the tasks' lists in turn
 *     (a person working down each task's list), skipping sentences already taken;
 *   - retraining: trainHeadsQuick from the same starting heads every time (the product starts from
 *     the model's own heads, not the last retrain's), every labelled row must fit, default steps;
 *     the mixed-in bundled data is off here (the pool IS the bundled data), so there is no guard.
 * A labelled sentence gets every task's label (the bundled rows label both tasks).
 */
import { HeadsClassifier } from '../../src/engine/model/heads-classifier.js';
import { type TaskSpec, initHeadWeights } from '../../src/engine/model/heads.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import { Rng } from '../../src/engine/random.js';
import { gatherRows } from '../../src/engine/train/heads-trainer.js';
import { trainHeadsQuick } from '../../src/engine/train/quick-heads.js';
import { marginOf } from '../../src/extension/labels/margins.js';
import type { Features, LabelledData } from './data.js';

export type Strategy = 'uncertainty' | 'random';

export interface Protocol {
  readonly batch: number;
  /** Labels at which the simulation stops (the "full budget"). */
  readonly budget: number;
}

export interface CurvePoint {
  readonly labels: number;
  /** Test accuracy per task. */
  readonly accuracy: Readonly<Record<string, number>>;
}

interface Setting {
  readonly data: LabelledData;
  readonly features: Features;
  readonly protocol: Protocol;
}

/** The first batch, drawn at random from the pool; the same for both strategies of a seed. */
export function initialBatch(poolSize: number, batch: number, seed: number): number[] {
  return new Rng(seed * 7919).shuffle(Array.from({ length: poolSize }, (_, i) => i)).slice(0, batch);
}

async function retrain(s: Setting, startHeads: ReadonlyMap<string, Tensor>, labelled: readonly number[], seed: number): Promise<Map<string, Tensor>> {
  const { hidden } = s.features;
  const trained = await trainHeadsQuick({
    hidden, tasks: s.data.tasks, heads: startHeads, pooled: gatherRows(s.features.pool, hidden, [...labelled]),
    rows: labelled.map((i) => s.data.pool.labels[i]!), mustFit: labelled.map((_, j) => j), seed,
  });
  return trained.heads;
}

/** Test accuracy per task, and each unlabelled pool sentence's margin per task. */
async function score(s: Setting, heads: ReadonlyMap<string, Tensor>, unlabelled: readonly number[]) {
  const { hidden } = s.features;
  const classifier = await HeadsClassifier.create(hidden, s.data.tasks, heads);
  try {
    const onTest = await classifier.classify(s.features.test);
    const accuracy: Record<string, number> = {};
    for (const t of s.data.tasks) {
      const scored = s.data.test.labels.map((y, i) => [y[t.name], onTest[i]![t.name]!.label] as const).filter(([y]) => y !== null && y !== undefined);
      accuracy[t.name] = scored.filter(([y, label]) => t.labels[y!] === label).length / scored.length;
    }
    const onPool = unlabelled.length ? await classifier.classify(gatherRows(s.features.pool, hidden, [...unlabelled])) : [];
    const margins = onPool.map((r) => Object.fromEntries(s.data.tasks.map((t) => [t.name, marginOf(r[t.name]!.probs).margin])));
    return { accuracy, margins };
  } finally {
    await classifier.release();
  }
}

/** Positions in `unlabelled` of the next batch, least certain first, the tasks' lists in turn. */
export function uncertaintyBatch(tasks: readonly TaskSpec[], margins: readonly Readonly<Record<string, number>>[], batch: number): number[] {
  const ranked = tasks.map((t) => margins.map((_, i) => i).sort((a, b) => margins[a]![t.name]! - margins[b]![t.name]!));
  const taken = new Set<number>();
  for (let depth = 0; taken.size < Math.min(batch, margins.length); depth++) {
    for (const list of ranked) {
      const i = list[depth];
      if (i !== undefined && taken.size < batch) taken.add(i);
    }
  }
  return [...taken];
}

function randomBatch(count: number, batch: number, rng: Rng): number[] {
  return rng.shuffle(Array.from({ length: count }, (_, i) => i)).slice(0, batch);
}

/** One run: the learning curve of `strategy` from the seed's first batch to the budget. */
export async function simulate(s: Setting, strategy: Strategy, seed: number): Promise<CurvePoint[]> {
  const startHeads = initHeadWeights(s.data.tasks, s.features.hidden, seed);
  let labelled = initialBatch(s.data.pool.texts.length, s.protocol.batch, seed);
  const inFirst = new Set(labelled);
  let unlabelled = s.data.pool.texts.map((_, i) => i).filter((i) => !inFirst.has(i));
  const rng = new Rng(seed * 7919 + 1);
  const curve: CurvePoint[] = [];
  for (;;) {
    const heads = await retrain(s, startHeads, labelled, seed);
    const { accuracy, margins } = await score(s, heads, unlabelled);
    curve.push({ labels: labelled.length, accuracy });
    if (labelled.length >= s.protocol.budget || unlabelled.length === 0) return curve;
    const batch = Math.min(s.protocol.batch, s.protocol.budget - labelled.length);
    const picked = new Set(strategy === 'uncertainty' ? uncertaintyBatch(s.data.tasks, margins, batch) : randomBatch(unlabelled.length, batch, rng));
    labelled = [...labelled, ...unlabelled.filter((_, j) => picked.has(j))];
    unlabelled = unlabelled.filter((_, j) => !picked.has(j));
  }
}
