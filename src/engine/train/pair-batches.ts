/**
 * Multi-task steps with the contrastive objective: each training step's batch of labelled rows
 * is extended by `count` sentence pairs, anchors then positives, as rows without labels (so the
 * task losses skip them), and the batch says which rows pair up. One encoder pass serves both
 * objectives: the heads see the labelled rows, the ranking loss sees the pairs.
 *
 * Which pairs a step gets is a pure function of the step's dropout seed (itself a function of
 * the run's seed and the step), so a resumed run draws the same pairs as an uninterrupted one
 * and the loop needs no extra state.
 */
import { collate, type CollatedBatch, type Example } from '../data/dataset.js';
import type { PairExample } from '../data/pairs.js';
import { Rng } from '../random.js';

/** Row indices, within a collated batch, of each pair's anchor and positive. */
export type PairRows = NonNullable<CollatedBatch['pairRows']>;

/** `count` distinct pair indices out of `total` (all of them, in a seeded order, when count ≥ total). */
export function drawPairs(total: number, count: number, seed: number): number[] {
  const rng = new Rng((seed ^ 0x5bd1e995) >>> 0);
  if (count >= total) return rng.shuffle(Array.from({ length: total }, (_, i) => i));
  // Floyd's sampling: `count` distinct draws without building a permutation of every pair.
  const picked = new Set<number>();
  for (let j = total - count; j < total; j++) {
    const t = rng.int(j + 1);
    picked.add(picked.has(t) ? j : t);
  }
  return rng.shuffle([...picked].sort((a, b) => a - b));
}

/**
 * The labelled rows at `indices`, then the anchors and the positives of `pairs[picked]`, padded
 * to one length. The pair rows carry no label for any task.
 */
export function collateWithPairs(
  examples: readonly Example[],
  indices: readonly number[],
  pairs: readonly PairExample[],
  picked: readonly number[],
  taskNames: readonly string[],
  padId: number,
): CollatedBatch & { readonly pairRows: PairRows } {
  const unlabelled = (ids: readonly number[], line: number): Example => ({ line, text: '', ids, labels: {} });
  const rows = [
    ...indices.map((i) => examples[i]!),
    ...picked.map((p) => unlabelled(pairs[p]!.anchor, pairs[p]!.line)),
    ...picked.map((p) => unlabelled(pairs[p]!.positive, pairs[p]!.line)),
  ];
  const batch = collate(rows, rows.map((_, i) => i), taskNames, padId);
  const n = indices.length;
  const m = picked.length;
  return {
    ...batch,
    pairRows: {
      anchors: BigInt64Array.from({ length: m }, (_, j) => BigInt(n + j)),
      positives: BigInt64Array.from({ length: m }, (_, j) => BigInt(n + m + j)),
    },
  };
}
