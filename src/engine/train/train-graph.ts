/**
 * The training graph: forward, per-task losses and the gradients of every trainable parameter
 * in one ONNX graph, so one `session.run` returns losses, logits and gradients. Trainable
 * parameters are graph inputs (the optimizer feeds their current values each step); frozen
 * ones are initializers and get no backward nodes.
 */
import { Graph, type Value, add, dropout as applyDropout, gather, grad, mul, multipleNegativesRankingLoss } from '../graph/index.js';
import { buildEncoder, encoderInputs } from '../model/encoder.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import type { Tensor } from '../model/tensor.js';
import { buildHead, type TaskSpec } from '../model/heads.js';
import { pool, type Pooling } from '../model/pooling.js';
import { multiTaskLoss } from './losses.js';

export interface TrainingGraphOptions {
  readonly pooling: Pooling;
  /** Backbone (HF names) and head (`heads.<task>.…`) parameters that train. */
  readonly isTrainable: (name: string) => boolean;
  /** Per-task loss weight by task name (default 1); 0 removes the task from the loss. */
  readonly lossWeights?: Readonly<Record<string, number>>;
  /** Per-task class weights, one per label, by task name. */
  readonly classWeights?: Readonly<Record<string, readonly number[]>>;
  /**
   * Dropout at BertModel's sites, with masks from the int32 scalar input `dropout_seed`
   * (feed `dropoutSeed(seed, step)`). `rate` overrides the config's rates at every site the
   * config enables. Absent: no dropout.
   */
  readonly dropout?: { readonly rate?: number; readonly seedInput: true };
  readonly floatType?: 'float32' | 'float64';
  /**
   * Whether every gradient is a graph output (default). False when the caller consumes them
   * inside the graph (the device-resident optimizer update, train/resident-graph.ts).
   */
  readonly gradOutputs?: boolean;
  /**
   * The contrastive objective beside the task losses: the inputs pair_anchor_rows and
   * pair_positive_rows (int64 [pairs]) name rows of the batch, and the in-batch ranking loss
   * of their pooled vectors, times `weight`, joins the total (output `loss_pairs`).
   */
  readonly pairs?: PairObjective;
}

/** How the sentence-pair ranking loss enters a training step. */
export interface PairObjective {
  /** Its weight in the total loss, beside each task's. */
  readonly weight: number;
  /** Cosine similarities are multiplied by this (1/temperature) before the softmax. */
  readonly scale: number;
  readonly symmetric?: boolean;
}

/** The key of the pair ranking loss among a step's losses (`loss_pairs` in the graph). */
export const PAIRS_LOSS = 'pairs';

export interface TrainableParam {
  readonly name: string;
  /** The graph input to feed with the parameter's current value (same name). */
  readonly value: Value;
  /** Output name of its gradient: `grad:<name>`. */
  readonly grad: string;
  /** The gradient inside the graph (an output only when `gradOutputs` is not false). */
  readonly gradValue: Value;
}

export interface TrainingGraph {
  readonly graph: Graph;
  readonly trainable: TrainableParam[];
  /**
   * Tasks whose loss is an output (`loss_<task>`); weight-0 tasks are not among them. The pair
   * ranking loss, when on, is among them as PAIRS_LOSS.
   */
  readonly lossTasks: string[];
}

/**
 * Inputs: input_ids, attention_mask, and token_type_ids for BERT (int64 [batch, seq]); per task
 * labels_<task> (int64 [batch]) and mask_<task> (float [batch], 1 where the row has a label);
 * dropout_seed (int32 scalar) when dropout is on. Outputs: loss, loss_<task>, logits_<task>,
 * grad:<param>. A head whose task has loss weight 0 cannot learn anything, so its parameters
 * are frozen here whatever `isTrainable` says, rather than handed to the optimizer with zeros.
 */
export function buildTrainingGraph(
  config: EncoderConfig,
  backbone: ReadonlyMap<string, Tensor>,
  heads: ReadonlyMap<string, Tensor>,
  tasks: readonly TaskSpec[],
  options: TrainingGraphOptions,
): TrainingGraph {
  const g = new Graph({ floatType: options.floatType, name: 'sentence_lens_training' });
  const inputs = encoderInputs(g, config);
  const taskInputs = addTaskInputs(g, tasks);
  const seed = options.dropout ? g.input('dropout_seed', 'int32', []) : undefined;
  let salt = 0;
  const drop = seed
    ? (g: Graph, x: Value, _site: string, rate: number) => applyDropout(g, x, options.dropout!.rate ?? rate, seed, salt++)
    : undefined;

  const enc = buildEncoder(g, config, backbone, inputs, { isTrainable: options.isTrainable, dropout: drop });
  const pooled = pool(g, enc.tokens, enc.maskFloat, options.pooling);
  const extra = options.pairs ? [{ name: PAIRS_LOSS, ...pairRankingLoss(g, pooled, options.pairs) }] : [];
  return { graph: g, ...addHeadsLossesAndGrads(g, pooled, heads, tasks, taskInputs, options, enc.params, extra) };
}

/** The ranking loss over the batch rows named by the inputs pair_anchor_rows and pair_positive_rows. */
function pairRankingLoss(g: Graph, pooled: Value, o: PairObjective): { loss: Value; weight: number } {
  const anchors = g.input('pair_anchor_rows', 'int64', ['pairs']);
  const positives = g.input('pair_positive_rows', 'int64', ['pairs']);
  const loss = multipleNegativesRankingLoss(g, gather(g, pooled, anchors), gather(g, pooled, positives), { scale: o.scale, symmetric: o.symmetric });
  return { loss, weight: o.weight };
}

/** A loss that joins the task losses in the total, weighted, and is reported as `loss_<name>`. */
export interface ExtraLoss {
  readonly name: string;
  readonly loss: Value;
  readonly weight: number;
}

export interface TaskInputs {
  readonly labels: Value;
  readonly mask: Value;
}

/** The graph inputs labels_<task> (int64 [batch]) and mask_<task> (float [batch]), in task order. */
export function addTaskInputs(g: Graph, tasks: readonly TaskSpec[]): TaskInputs[] {
  return tasks.map((t) => ({
    labels: g.input(`labels_${t.name}`, 'int64', ['batch']),
    mask: g.input(`mask_${t.name}`, g.floatType, ['batch']),
  }));
}

export type HeadsLossOptions = Pick<TrainingGraphOptions, 'isTrainable' | 'lossWeights' | 'classWeights' | 'gradOutputs'>;

/**
 * Everything above the pooled vector, shared by the full training graph and the heads-only
 * graph (heads-graph.ts): one head per task on `pooled`, outputs logits_<task>, the
 * multi-task loss (`loss`, `loss_<task>`), and `grad:<name>` for every trainable parameter,
 * those of `lowerParams` (the backbone's, when it trains) included.
 */
export function addHeadsLossesAndGrads(
  g: Graph,
  pooled: Value,
  heads: ReadonlyMap<string, Tensor>,
  tasks: readonly TaskSpec[],
  taskInputs: readonly TaskInputs[],
  options: HeadsLossOptions,
  lowerParams: ReadonlyMap<string, Value> = new Map(),
  extra: readonly ExtraLoss[] = [],
): Omit<TrainingGraph, 'graph'> {
  const weightOf = (t: TaskSpec) => options.lossWeights?.[t.name] ?? 1;
  const params = new Map<string, Value>(lowerParams);
  const logits = tasks.map((t) => {
    const head = buildHead(g, pooled, t, heads, (name) => weightOf(t) !== 0 && options.isTrainable(name));
    for (const [n, v] of head.params) params.set(n, v);
    g.output(head.logits, `logits_${t.name}`);
    return head.logits;
  });

  const { total: taskTotal, perTask } = multiTaskLoss(g, tasks.map((t, i) => {
    const cw = options.classWeights?.[t.name];
    if (cw && cw.length !== t.labels.length) throw new Error(`class weights for task "${t.name}": ${cw.length} given, ${t.labels.length} labels`);
    return { logits: logits[i]!, ...taskInputs[i]!, weight: weightOf(t), classWeights: cw ? g.constant([...cw], g.floatType, [cw.length]) : undefined };
  }));
  let total = taskTotal;
  for (const e of extra) total = add(g, total, e.weight === 1 ? e.loss : mul(g, e.loss, g.scalar(e.weight)));
  g.output(total, 'loss');
  const lossTasks: string[] = [];
  perTask.forEach((l, i) => {
    if (!l) return;
    g.output(l, `loss_${tasks[i]!.name}`);
    lossTasks.push(tasks[i]!.name);
  });
  for (const e of extra) {
    if (tasks.some((t) => t.name === e.name)) throw new Error(`a task is named "${e.name}", the name of the ${e.name} loss; rename the task`);
    g.output(e.loss, `loss_${e.name}`);
    lossTasks.push(e.name);
  }

  const trainableValues = new Set(g.trainableParams.map((p) => p.value));
  const chosen = [...params].filter(([, v]) => trainableValues.has(v));
  const grads = grad(g, total, chosen.map(([, v]) => v));
  const trainable = chosen.map(([name, value]) => ({ name, value, grad: `grad:${name}`, gradValue: grads.get(value)! }));
  if (options.gradOutputs !== false) for (const t of trainable) g.output(t.gradValue, t.grad);
  return { trainable, lossTasks };
}
