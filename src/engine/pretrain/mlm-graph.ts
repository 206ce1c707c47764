/**
 * The pretraining graphs: encoder → MLM head on the masked positions → cross-entropy against
 * the original tokens, and (training) the gradient of every trainable parameter, so one
 * `session.run` gives the loss and the gradients, as the fine-tuning graph does.
 *
 * Inputs: input_ids, attention_mask, token_type_ids where the architecture takes them (int64
 * [batch, seq]); mlm_positions
 * (int64 [masked], flat b·seq + s); mlm_labels (int64 [masked], the original ids);
 * mlm_weights (float [masked], 1 per prediction); dropout_seed (int32 scalar) when dropout is on.
 * Training outputs: loss (mean over the weighted predictions) and the same as loss_mlm (the
 * per-task loss every training graph names, train-graph.ts), grad:<name> unless the gradients
 * stay inside the graph for the device-resident update (gradOutputs false).
 * Evaluation outputs: loss, mlm_correct (predictions whose arg-max is the original token).
 */
import { Graph, type Value, argMax, cast, dropout as applyDropout, grad, reduceSum } from '../graph/index.js';
import { WORD_EMBEDDINGS } from '../model/architecture.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import { buildEncoder, encoderInputs } from '../model/encoder.js';
import type { Tensor } from '../model/tensor.js';
import { softmaxCrossEntropy } from '../train/losses.js';
import type { TrainingGraph } from '../train/train-graph.js';
import { addMlmHead } from './mlm-head.js';

export interface MlmGraphOptions {
  /** Which parameters (backbone and head, HF names) train. */
  readonly isTrainable: (name: string) => boolean;
  /** Dropout at the encoder's sites from the `dropout_seed` input; `rate` overrides the config's. */
  readonly dropout?: { readonly rate?: number };
  readonly floatType?: 'float32' | 'float64';
  /** Whether every gradient is a graph output (default); see TrainingGraphOptions.gradOutputs. */
  readonly gradOutputs?: boolean;
}

export interface MlmEvalGraph {
  readonly graph: Graph;
  /** Trainable parameters (graph inputs), no gradients. */
  readonly trainable: { readonly name: string; readonly value: Value }[];
}

/** The name of the masked-LM loss among a step's per-task losses (history, progress events). */
export const MLM_LOSS = 'mlm';

function buildForward(g: Graph, config: EncoderConfig, backbone: ReadonlyMap<string, Tensor>, head: ReadonlyMap<string, Tensor>, options: MlmGraphOptions) {
  const inputs = encoderInputs(g, config);
  const positions = g.input('mlm_positions', 'int64', ['masked']);
  const labels = g.input('mlm_labels', 'int64', ['masked']);
  const weights = g.input('mlm_weights', g.floatType, ['masked']);
  const seed = options.dropout ? g.input('dropout_seed', 'int32', []) : undefined;
  let salt = 0;
  const drop = seed ? (g: Graph, x: Value, _site: string, rate: number) => applyDropout(g, x, options.dropout!.rate ?? rate, seed, salt++) : undefined;
  const enc = buildEncoder(g, config, backbone, inputs, { isTrainable: options.isTrainable, dropout: drop });
  const mlm = addMlmHead(g, config, enc.tokens, positions, enc.params.get(WORD_EMBEDDINGS)!, head, options.isTrainable);
  const loss = softmaxCrossEntropy(g, mlm.logits, labels, weights);
  g.output(loss, 'loss');
  const params = new Map<string, Value>([...enc.params, ...mlm.params]);
  return { loss, logits: mlm.logits, labels, params };
}

export function buildMlmTrainingGraph(
  config: EncoderConfig,
  backbone: ReadonlyMap<string, Tensor>,
  head: ReadonlyMap<string, Tensor>,
  options: MlmGraphOptions,
): TrainingGraph {
  const g = new Graph({ floatType: options.floatType, name: 'sentence_lens_mlm_training' });
  const { loss, params } = buildForward(g, config, backbone, head, options);
  g.output(loss, `loss_${MLM_LOSS}`);
  const trainableValues = new Set(g.trainableParams.map((p) => p.value));
  const chosen = [...params].filter(([, v]) => trainableValues.has(v));
  const grads = grad(g, loss, chosen.map(([, v]) => v));
  const trainable = chosen.map(([name, value]) => ({ name, value, grad: `grad:${name}`, gradValue: grads.get(value)! }));
  if (options.gradOutputs !== false) for (const t of trainable) g.output(t.gradValue, t.grad);
  return { graph: g, trainable, lossTasks: [MLM_LOSS] };
}

/** No dropout, no gradients: the loss and how many predictions are right. */
export function buildMlmEvalGraph(
  config: EncoderConfig,
  backbone: ReadonlyMap<string, Tensor>,
  head: ReadonlyMap<string, Tensor>,
  options: Pick<MlmGraphOptions, 'isTrainable' | 'floatType'>,
): MlmEvalGraph {
  const g = new Graph({ floatType: options.floatType, name: 'sentence_lens_mlm_eval' });
  const { logits, labels, params } = buildForward(g, config, backbone, head, { isTrainable: options.isTrainable });
  const hit = g.node('Equal', [argMax(g, logits, -1), labels], [{ dtype: 'bool', shape: ['masked'] }])[0]!;
  g.output(reduceSum(g, cast(g, hit, g.floatType), [0]), 'mlm_correct');
  const trainableValues = new Set(g.trainableParams.map((p) => p.value));
  return { graph: g, trainable: [...params].filter(([, v]) => trainableValues.has(v)).map(([name, value]) => ({ name, value })) };
}
