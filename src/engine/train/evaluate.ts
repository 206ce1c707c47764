/** Evaluation over a list of examples: loss, accuracy, macro-F1 and confusion per task. */
import { lengthBuckets } from '../batching.js';
import { collate, type Example } from '../data/dataset.js';
import type { TaskSpec } from '../model/heads.js';
import { ConfusionMatrix, type TaskMetrics } from './metrics.js';
import type { StepRunner } from './step-runner.js';

export interface EvalReport {
  /** Σ_t weight_t · loss_t over tasks with a non-zero weight: what early stopping watches. */
  readonly loss: number;
  readonly examples: number;
  readonly tasks: Record<string, TaskMetrics>;
  /** Masked-LM pretraining's evaluation (its `loss` is the mean NLL of the predictions). */
  readonly mlm?: { readonly perplexity: number; readonly accuracy: number; readonly predictions: number };
}

export interface EvaluateOptions {
  readonly batchSize: number;
  readonly padId: number;
  readonly lossWeights?: Readonly<Record<string, number>>;
  readonly split: 'train' | 'val';
  readonly onProgress?: (done: number, total: number) => void;
}

export async function evaluateExamples(runner: Pick<StepRunner, 'evaluate'>, examples: readonly Example[], tasks: readonly TaskSpec[], options: EvaluateOptions): Promise<EvalReport> {
  const names = tasks.map((t) => t.name);
  const matrices = new Map(tasks.map((t) => [t.name, new ConfusionMatrix(t.labels)]));
  const lossSum = new Map(names.map((n) => [n, 0]));
  const labelled = new Map(names.map((n) => [n, 0]));
  const buckets = lengthBuckets(examples.map((e) => e.ids.length), options.batchSize);
  let done = 0;
  for (const bucket of buckets) {
    const data = collate(examples, bucket.indices, names, options.padId);
    const out = await runner.evaluate({ data, indices: bucket.indices, split: options.split });
    for (const n of names) {
      const count = data.masks[n]!.reduce((a, b) => a + b, 0);
      // Each batch loss is a mean over its labelled rows; weight it back to a sum.
      lossSum.set(n, lossSum.get(n)! + out.losses[n]! * count);
      labelled.set(n, labelled.get(n)! + count);
      matrices.get(n)!.addLogits(out.logits[n]!, data.labelLists[n]!);
    }
    done += bucket.indices.length;
    options.onProgress?.(done, examples.length);
  }
  const result: Record<string, TaskMetrics> = {};
  let total = 0;
  for (const n of names) {
    const count = labelled.get(n)!;
    const loss = count > 0 ? lossSum.get(n)! / count : 0;
    result[n] = matrices.get(n)!.metrics(loss);
    total += (options.lossWeights?.[n] ?? 1) * loss;
  }
  return { loss: total, examples: examples.length, tasks: result };
}
