/**
 * What the trainer asks of a model for one batch, behind one interface, so the heads-only fast
 * path (pooled embeddings cached once, a small heads graph) can stand in for the full graph
 * when the backbone is frozen, and masked-LM pretraining (pretrain/mlm-runner.ts) can use the
 * same engines with batches of its own:
 *
 *   step(batch, seed)  → losses and the gradient of every trainable parameter
 *   evaluate(batch)    → losses and logits, no dropout, no gradients
 *
 * The runner reads the current parameter values from the ParameterSet it was made with (the
 * trainer's optimizer updates those arrays in place between steps) and never writes them.
 */
import type { CollatedBatch } from '../data/dataset.js';
import { Graph, type Value } from '../graph/index.js';
import { buildEncoder, encoderInputs } from '../model/encoder.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import type { Tensor } from '../model/tensor.js';
import { buildHead, type TaskSpec } from '../model/heads.js';
import { pool, type Pooling } from '../model/pooling.js';
import type { Device } from '../runtime/device.js';
import { createSession, encoderFeeds, ort } from '../runtime/session.js';
import { runCounted, TransferCounter } from '../runtime/transfers.js';
import { multiTaskLoss } from './losses.js';
import { type EvalGraph, type ModelGraphs, scalarOf, tensorsOf } from './model-graphs.js';
import type { ParameterSet } from './step.js';
import { buildTrainingGraph, type PairObjective } from './train-graph.js';

export interface RunnerBatch {
  readonly data: CollatedBatch;
  /** Which examples (indices into the split's list), for runners that cache per example. */
  readonly indices: readonly number[];
  readonly split: 'train' | 'val';
}

export interface StepOutput {
  /** The weighted total the gradients are of. */
  readonly loss: number;
  /** Unweighted loss per task with a non-zero loss weight. */
  readonly losses: Record<string, number>;
  readonly grads: Map<string, Float32Array>;
}

export interface EvalOutput {
  /** Unweighted mean cross-entropy per task over the batch's labelled rows (0 when none). */
  readonly losses: Record<string, number>;
  /** Logits [batch, labels] per task. */
  readonly logits: Record<string, Float32Array>;
}

/** What one runner steps on: fine-tuning's labelled rows (default) or masked-LM batches. */
export interface StepRunner<B = RunnerBatch, E = EvalOutput> {
  readonly kind: 'full-graph' | 'heads-only' | 'masked-lm';
  step(batch: B, dropoutSeed: number): Promise<StepOutput>;
  evaluate(batch: B): Promise<E>;
  release(): Promise<void>;
  /** Host ↔ device bytes its runs moved (absent: the runner does not count them). */
  readonly transfers?: TransferCounter;
}

export interface RunnerOptions {
  readonly config: EncoderConfig;
  /** All backbone and head tensors by name; trainable ones are read each step. */
  readonly params: ParameterSet;
  readonly tasks: readonly TaskSpec[];
  readonly pooling: Pooling;
  readonly lossWeights?: Readonly<Record<string, number>>;
  /** Dropout in training steps: absent → none; `rate` overrides the config's rates. */
  readonly dropout?: { readonly rate?: number };
  readonly device: Device;
  /** The contrastive objective in training steps; each step's batch then carries `pairRows`. */
  readonly pairs?: PairObjective;
}

/**
 * The full model (encoder, pooling, heads) as ONNX, for either engine (model-graphs.ts).
 * `shapes` gives every parameter's shape (the ParameterSet holds flat arrays).
 */
export function fineTuneGraphs(options: RunnerOptions, shapes: ReadonlyMap<string, readonly number[]>): ModelGraphs<RunnerBatch, EvalOutput> {
  const { config, params, tasks, pooling } = options;
  const isTrainable = (n: string) => params.isTrainable(n);
  const names = params.names();
  const backbone = tensorsOf(params, shapes, names.filter((n) => !n.startsWith('heads.')));
  const heads = tensorsOf(params, shapes, names.filter((n) => n.startsWith('heads.')));
  return {
    kind: 'full-graph', params, shapes, device: options.device, dropout: !!options.dropout,
    training: (gradOutputs) => buildTrainingGraph(config, backbone, heads, tasks, {
      pooling, isTrainable, lossWeights: options.lossWeights, gradOutputs, pairs: options.pairs,
      dropout: options.dropout ? { rate: options.dropout.rate, seedInput: true } : undefined,
    }),
    evaluation: () => buildEvalGraph(config, backbone, heads, tasks, pooling, isTrainable),
    // The evaluation graph reads only the batch's own inputs and labels.
    feeds: (batch) => ({ ...batchFeeds(batch.data, tasks, config), ...(options.pairs && batch.split === 'train' ? pairFeeds(batch.data) : {}) }),
    readEval(out) {
      const losses: Record<string, number> = {};
      const logits: Record<string, Float32Array> = {};
      for (const t of tasks) {
        losses[t.name] = scalarOf(out[`loss_${t.name}`]);
        logits[t.name] = out[`logits_${t.name}`]!.data as Float32Array;
      }
      return { losses, logits };
    },
  };
}

export function createFullGraphRunner(options: RunnerOptions, shapes: ReadonlyMap<string, readonly number[]>): Promise<StepRunner> {
  return createGraphRunner(fineTuneGraphs(options, shapes));
}

/**
 * The host side's runner over any model's graphs: each step feeds the trainable parameters'
 * current values from the ParameterSet and returns the losses and gradients; the optimizer
 * (step-engine.ts) updates those arrays in place between steps. Nothing trainable: it only
 * evaluates.
 */
export async function createGraphRunner<B, E>(m: ModelGraphs<B, E>): Promise<StepRunner<B, E>> {
  const { params, shapes, device } = m;
  const transfers = new TransferCounter();
  const paramFeeds = (list: readonly { name: string; input: string }[]): Record<string, ort.Tensor> =>
    Object.fromEntries(list.map((p) => [p.input, new ort.Tensor('float32', params.get(p.name), [...shapes.get(p.name)!])]));
  const tg = params.trainableNames().length > 0 ? m.training(true) : undefined;
  const trainSession = tg && await createSession(tg.graph.toBytes(), device);
  const trainInputs = tg?.trainable.map((p) => ({ name: p.name, input: p.value.name })) ?? [];
  const ev = m.evaluation();
  const evalSession = await createSession(ev.graph.toBytes(), device);
  return {
    kind: m.kind,
    transfers,
    async step(batch, seed) {
      if (!tg || !trainSession) throw new Error('internal: nothing trains, so there is no training step');
      const feeds = { ...m.feeds(batch), ...paramFeeds(trainInputs) };
      if (m.dropout) feeds['dropout_seed'] = new ort.Tensor('int32', Int32Array.from([seed]), []);
      const out = await runCounted(trainSession, device, feeds, transfers);
      const grads = new Map(tg.trainable.map((p) => [p.name, out[p.grad]!.data as Float32Array]));
      const losses = Object.fromEntries(tg.lossTasks.map((t) => [t, scalarOf(out[`loss_${t}`])]));
      return { loss: scalarOf(out['loss']), losses, grads };
    },
    async evaluate(batch) {
      const out = await runCounted(evalSession, device, { ...m.feeds(batch), ...paramFeeds(ev.inputs) }, transfers);
      return m.readEval(out, batch);
    },
    async release() {
      await trainSession?.release();
      await evalSession.release();
    },
  };
}

/** The batch's feeds: encoder inputs, and labels_<task> / mask_<task> per task. */
export function batchFeeds(b: CollatedBatch, tasks: readonly TaskSpec[], config: Pick<EncoderConfig, 'modelType'>): Record<string, ort.Tensor> {
  const feeds = encoderFeeds(b, b.size, b.seqLen, config);
  for (const t of tasks) {
    feeds[`labels_${t.name}`] = new ort.Tensor('int64', b.labels[t.name]!, [b.size]);
    feeds[`mask_${t.name}`] = new ort.Tensor('float32', b.masks[t.name]!, [b.size]);
  }
  return feeds;
}

/** The pair objective's feeds: which batch rows are anchors and which their positives. */
export function pairFeeds(b: CollatedBatch): Record<string, ort.Tensor> {
  if (!b.pairRows) throw new Error('internal: the pair objective is on but the batch has no pairs');
  const { anchors, positives } = b.pairRows;
  return { pair_anchor_rows: new ort.Tensor('int64', anchors, [anchors.length]), pair_positive_rows: new ort.Tensor('int64', positives, [positives.length]) };
}

/**
 * Forward only: logits and the unweighted loss of every task (weight-0 tasks included, so
 * their metrics are still reported). Trainable parameters are inputs, as in training.
 */
export function buildEvalGraph(
  config: EncoderConfig,
  backbone: ReadonlyMap<string, Tensor>,
  heads: ReadonlyMap<string, Tensor>,
  tasks: readonly TaskSpec[],
  pooling: Pooling,
  isTrainable: (name: string) => boolean,
): EvalGraph {
  const g = new Graph({ name: 'sentence_lens_eval' });
  const enc = buildEncoder(g, config, backbone, encoderInputs(g, config), { isTrainable });
  const pooled = pool(g, enc.tokens, enc.maskFloat, pooling);
  const params = new Map<string, Value>(enc.params);
  const losses = tasks.map((t) => {
    const labels = g.input(`labels_${t.name}`, 'int64', ['batch']);
    const mask = g.input(`mask_${t.name}`, g.floatType, ['batch']);
    const head = buildHead(g, pooled, t, heads, isTrainable);
    for (const [n, v] of head.params) params.set(n, v);
    g.output(head.logits, `logits_${t.name}`);
    return { logits: head.logits, labels, mask, weight: 1 };
  });
  const { perTask } = multiTaskLoss(g, losses);
  perTask.forEach((l, i) => g.output(l!, `loss_${tasks[i]!.name}`));
  const trainable = new Set(g.trainableParams.map((p) => p.value));
  const inputs = [...params].filter(([, v]) => trainable.has(v)).map(([name, v]) => ({ name, input: v.name }));
  return { graph: g, inputs };
}
