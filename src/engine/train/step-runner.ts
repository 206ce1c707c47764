/**
 * What the trainer asks of a model for one batch, behind one interface, so the heads-only fast
 * path (pooled embeddings cached once, a small heads graph) can stand in for the full graph
 * when the backbone is frozen:
 *
 *   step(batch, seed)  → losses and the gradient of every trainable parameter
 *   evaluate(batch)    → losses and logits, no dropout, no gradients
 *
 * The runner reads the current parameter values from the ParameterSet it was made with (the
 * trainer's optimizer updates those arrays in place between steps) and never writes them.
 */
import type { CollatedBatch } from '../data/dataset.js';
import { Graph, type Value } from '../graph/index.js';
import { buildBertEncoder, encoderInputs } from '../model/bert.js';
import type { Tensor } from '../model/bert-weights.js';
import type { BertConfig } from '../model/config.js';
import { buildHead, type TaskSpec } from '../model/heads.js';
import { pool, type Pooling } from '../model/pooling.js';
import type { Device } from '../runtime/device.js';
import { createSession, encoderFeeds, ort, type Session } from '../runtime/session.js';
import { multiTaskLoss } from './losses.js';
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

export interface StepRunner {
  readonly kind: 'full-graph' | 'heads-only';
  step(batch: RunnerBatch, dropoutSeed: bigint): Promise<StepOutput>;
  evaluate(batch: RunnerBatch): Promise<EvalOutput>;
  release(): Promise<void>;
}

export interface RunnerOptions {
  readonly config: BertConfig;
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
 * The full model (encoder, pooling, heads) as ONNX: one training graph and one evaluation
 * graph. `shapes` gives every parameter's shape (the ParameterSet holds flat arrays).
 */
export async function createFullGraphRunner(options: RunnerOptions, shapes: ReadonlyMap<string, readonly number[]>): Promise<StepRunner> {
  const { config, params, tasks, pooling } = options;
  const isTrainable = (n: string) => params.isTrainable(n);
  const withShapes = (names: string[]): Map<string, Tensor> => new Map(names.map((n) => [n, { shape: shapes.get(n)!, data: params.get(n) }]));
  const names = params.names();
  const backbone = withShapes(names.filter((n) => !n.startsWith('heads.')));
  const heads = withShapes(names.filter((n) => n.startsWith('heads.')));

  let train: { session: Session; inputs: { name: string; input: string; shape: readonly number[] }[]; grads: { name: string; output: string }[]; lossTasks: string[] } | undefined;
  if (params.trainableNames().length > 0) {
    const tg = buildTrainingGraph(config, backbone, heads, tasks, {
      pooling,
      isTrainable,
      lossWeights: options.lossWeights,
      dropout: options.dropout ? { rate: options.dropout.rate, seedInput: true } : undefined,
      pairs: options.pairs,
    });
    train = {
      session: await createSession(tg.graph.toBytes(), options.device),
      inputs: tg.trainable.map((p) => ({ name: p.name, input: p.value.name, shape: shapes.get(p.name)! })),
      grads: tg.trainable.map((p) => ({ name: p.name, output: p.grad })),
      lossTasks: tg.lossTasks,
    };
  }
  const ev = buildEvalGraph(config, backbone, heads, tasks, pooling, isTrainable);
  const evalSession = await createSession(ev.graph.toBytes(), options.device);
  const hasDropoutInput = !!options.dropout;

  const dataFeeds = (b: CollatedBatch): Record<string, ort.Tensor> => {
    const feeds = encoderFeeds(b, b.size, b.seqLen);
    for (const t of tasks) {
      feeds[`labels_${t.name}`] = new ort.Tensor('int64', b.labels[t.name]!, [b.size]);
      feeds[`mask_${t.name}`] = new ort.Tensor('float32', b.masks[t.name]!, [b.size]);
    }
    return feeds;
  };
  const paramFeeds = (list: readonly { name: string; input: string; shape: readonly number[] }[]): Record<string, ort.Tensor> =>
    Object.fromEntries(list.map((p) => [p.input, new ort.Tensor('float32', params.get(p.name), [...p.shape])]));
  const scalar = (t: ort.Tensor | undefined): number => (t ? (t.data as Float32Array)[0]! : 0);

  return {
    kind: 'full-graph',
    async step(batch, seed) {
      if (!train) throw new Error('internal: nothing trains, so there is no training step');
      const feeds = { ...dataFeeds(batch.data), ...paramFeeds(train.inputs) };
      if (options.pairs) Object.assign(feeds, pairFeeds(batch.data));
      if (hasDropoutInput) feeds['dropout_seed'] = new ort.Tensor('int64', BigInt64Array.from([seed]), []);
      const out = await train.session.run(feeds);
      const grads = new Map<string, Float32Array>();
      for (const g of train.grads) grads.set(g.name, out[g.output]!.data as Float32Array);
      const losses = Object.fromEntries(train.lossTasks.map((t) => [t, scalar(out[`loss_${t}`])]));
      return { loss: scalar(out['loss']), losses, grads };
    },
    async evaluate(batch) {
      const out = await evalSession.run({ ...dataFeeds(batch.data), ...paramFeeds(ev.inputs.map((p) => ({ ...p, shape: shapes.get(p.name)! }))) });
      const losses: Record<string, number> = {};
      const logits: Record<string, Float32Array> = {};
      for (const t of tasks) {
        losses[t.name] = scalar(out[`loss_${t.name}`]);
        logits[t.name] = out[`logits_${t.name}`]!.data as Float32Array;
      }
      return { losses, logits };
    },
    async release() {
      await train?.session.release();
      await evalSession.release();
    },
  };
}

function pairFeeds(b: CollatedBatch): Record<string, ort.Tensor> {
  if (!b.pairRows) throw new Error('internal: the pair objective is on but the batch has no pairs');
  const { anchors, positives } = b.pairRows;
  return { pair_anchor_rows: new ort.Tensor('int64', anchors, [anchors.length]), pair_positive_rows: new ort.Tensor('int64', positives, [positives.length]) };
}

/**
 * Forward only: logits and the unweighted loss of every task (weight-0 tasks included, so
 * their metrics are still reported). Trainable parameters are inputs, as in training.
 */
function buildEvalGraph(
  config: BertConfig,
  backbone: ReadonlyMap<string, Tensor>,
  heads: ReadonlyMap<string, Tensor>,
  tasks: readonly TaskSpec[],
  pooling: Pooling,
  isTrainable: (name: string) => boolean,
): { graph: Graph; inputs: { name: string; input: string }[] } {
  const g = new Graph({ name: 'sentence_lens_eval' });
  const enc = buildBertEncoder(g, config, backbone, encoderInputs(g), { isTrainable });
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
