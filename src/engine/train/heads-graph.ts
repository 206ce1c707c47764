/**
 * The heads-only training graph of the fast path (freeze policy `backbone`) and its label
 * feeds: pooled [batch, hidden] → heads → losses → head gradients, with the same names,
 * values and gradient rules as the full training graph (both call addHeadsLossesAndGrads).
 */
import { SentenceLensError } from '../errors.js';
import { Graph } from '../graph/index.js';
import type { Tensor } from '../model/tensor.js';
import type { TaskSpec } from '../model/heads.js';
import { ort } from '../runtime/session.js';
import { addHeadsLossesAndGrads, addTaskInputs, type HeadsLossOptions, type TrainingGraph } from './train-graph.js';

export interface HeadsTrainingGraphOptions extends HeadsLossOptions {
  readonly floatType?: 'float32' | 'float64';
}

/**
 * Inputs: `pooled` (float [batch, hidden], the un-normalised pooled vector), labels_<task>
 * (int64 [batch]) and mask_<task> (float [batch]); trainable head parameters by name.
 * Outputs: loss, loss_<task>, logits_<task>, grad:<param> — the same names, values and rules as
 * buildTrainingGraph's (both call addHeadsLossesAndGrads), minus the encoder.
 */
export function buildHeadsTrainingGraph(
  hidden: number,
  heads: ReadonlyMap<string, Tensor>,
  tasks: readonly TaskSpec[],
  options: HeadsTrainingGraphOptions,
): TrainingGraph {
  const g = new Graph({ floatType: options.floatType, name: 'sentence_lens_heads_training' });
  const pooled = g.input('pooled', g.floatType, ['batch', hidden]);
  const taskInputs = addTaskInputs(g, tasks);
  return { graph: g, ...addHeadsLossesAndGrads(g, pooled, heads, tasks, taskInputs, options) };
}

/** A row's labels by task name: a class index, or null/absent when the row has none. */
export type RowLabels = Readonly<Record<string, number | null | undefined>>;

/**
 * labels_<task> and mask_<task> feeds for a batch (unlabelled rows: label −1, mask 0).
 * The mask is also the row's weight in the loss (losses.ts: Σ m·nll / Σ m), so `rowWeights`
 * (default 1) counts a row as that many copies of itself.
 */
export function taskFeeds(tasks: readonly TaskSpec[], rows: readonly RowLabels[], floatType: 'float32' | 'float64' = 'float32', rowWeights?: readonly number[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const b = rows.length;
  for (const t of tasks) {
    const labels = new BigInt64Array(b);
    const mask = floatType === 'float64' ? new Float64Array(b) : new Float32Array(b);
    rows.forEach((r, i) => {
      const y = r[t.name];
      if (y === null || y === undefined) {
        labels[i] = -1n;
        return;
      }
      if (!Number.isInteger(y) || y < 0 || y >= t.labels.length) {
        throw new SentenceLensError('BAD_ARGUMENT', `row ${i} of the batch: label ${y} for task "${t.name}" is not in 0..${t.labels.length - 1}`);
      }
      labels[i] = BigInt(y);
      mask[i] = rowWeights?.[i] ?? 1;
    });
    feeds[`labels_${t.name}`] = new ort.Tensor('int64', labels, [b]);
    feeds[`mask_${t.name}`] = new ort.Tensor(floatType, mask, [b]);
  }
  return feeds;
}
