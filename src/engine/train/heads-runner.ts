/**
 * The StepRunner for a frozen backbone: the train and validation sentences are embedded once
 * (PooledCache: length-bucketed inference, cached in memory and on disk) and each step runs the
 * small heads graph. Batches address rows by their index in the split, which is what
 * RunnerBatch.indices carries.
 */
import type { CollatedBatch, Example } from '../data/dataset.js';
import type { LoadedModel } from '../model/load.js';
import type { RowLabels } from './heads-graph.js';
import { HeadsTrainer, gatherRows } from './heads-trainer.js';
import { PooledCache } from './pooled-cache.js';
import type { RunnerOptions, StepRunner } from './step-runner.js';

export interface HeadsRunnerOptions extends RunnerOptions {
  readonly model: LoadedModel;
  readonly examples: { readonly train: readonly Example[]; readonly val: readonly Example[] };
  readonly maxLength: number;
  readonly batchSize: number;
  readonly cacheDir?: string;
  /** Where the pooled vectors are kept; default: a cache of this runner's own. */
  readonly cache?: PooledCache;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

function rowLabels(data: CollatedBatch, tasks: readonly string[]): RowLabels[] {
  return Array.from({ length: data.size }, (_, r) =>
    Object.fromEntries(tasks.map((t) => [t, data.masks[t]![r]! > 0 ? Number(data.labels[t]![r]!) : null])),
  );
}

export async function createHeadsOnlyRunner(o: HeadsRunnerOptions, shapes: ReadonlyMap<string, readonly number[]>): Promise<StepRunner> {
  const hidden = o.config.hiddenSize;
  const total = o.examples.train.length + o.examples.val.length;
  const cache = o.cache ?? new PooledCache();
  const embed = async (examples: readonly Example[], offset: number) =>
    cache.compute(o.model, examples.map((e) => e.text), {
      pooling: o.pooling, maxLength: o.maxLength, batchSize: Math.max(o.batchSize, 32), device: o.device,
      cacheDir: o.cacheDir, signal: o.signal, onProgress: (done) => o.onProgress?.(offset + done, total),
    });
  const pooled = { train: await embed(o.examples.train, 0), val: await embed(o.examples.val, o.examples.train.length) };
  const headNames = o.params.names().filter((n) => n.startsWith('heads.'));
  const heads = new Map(headNames.map((n) => [n, { shape: shapes.get(n)!, data: o.params.get(n) }]));
  const taskNames = o.tasks.map((t) => t.name);
  const trainer = await HeadsTrainer.create({ hidden, tasks: o.tasks, heads, isTrainable: (n) => o.params.isTrainable(n), lossWeights: o.lossWeights, device: 'cpu' });
  // Evaluation reports every task's unweighted loss, so it runs a graph with all weights 1.
  const evaluator = await HeadsTrainer.create({ hidden, tasks: o.tasks, heads, isTrainable: (n) => n.startsWith('heads.'), device: 'cpu' });
  const rows = (b: { indices: readonly number[]; split: 'train' | 'val' }) => gatherRows(pooled[b.split], hidden, b.indices);
  return {
    kind: 'heads-only',
    async step(batch) {
      const r = await trainer.run(rows(batch), rowLabels(batch.data, taskNames), o.params);
      return { loss: r.loss, losses: r.losses, grads: r.grads };
    },
    async evaluate(batch) {
      const r = await evaluator.run(rows(batch), rowLabels(batch.data, taskNames), o.params);
      return { losses: r.losses, logits: r.logits };
    },
    async release() {
      await trainer.release();
      await evaluator.release();
    },
  };
}
