/**
 * The inference model: token ids → sentence embedding and each task's probabilities, as one
 * ONNX graph with every weight an initializer (so ONNX Runtime can fold and fuse freely).
 * The same graph is what `export` writes.
 */
import { type FloatType, Graph, type Value, cast, l2Normalize } from '../graph/index.js';
import { buildEncoder, encoderInputs } from './encoder.js';
import type { EncoderConfig } from './encoder-config.js';
import type { Tensor } from './tensor.js';
import { buildHead, probabilities, type TaskSpec } from './heads.js';
import { pool, type Pooling } from './pooling.js';
import { type Int8Options, type Precision, precisionGraphOptions } from './precision.js';

export interface InferenceGraphOptions {
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly tasks: readonly TaskSpec[];
  readonly floatType?: FloatType;
  /** fp32 (default), fp16 (a float16 graph whose outputs are cast to float32) or int8 (model/precision.ts). */
  readonly precision?: Precision;
  readonly int8?: Int8Options;
  /** Also output token states under this name (the parity tests; transformers.js reads last_hidden_state). */
  readonly tokenStatesOutput?: string;
}

export function buildInferenceGraph(
  config: EncoderConfig,
  backbone: ReadonlyMap<string, Tensor>,
  heads: ReadonlyMap<string, Tensor>,
  options: InferenceGraphOptions,
): Graph {
  const precision = precisionGraphOptions(options.precision ?? 'fp32', options.int8);
  const g = new Graph({ floatType: options.floatType ?? precision.floatType, lowerLinear: precision.lowerLinear, name: 'sentence_lens_inference' });
  // Callers read float32 (or the float64 of the parity tests) whatever the graph computes in.
  const output = (v: Value, name: string) => g.output(v.dtype === 'float16' ? cast(g, v, 'float32') : v, name);
  const enc = buildEncoder(g, config, backbone, encoderInputs(g, config));
  const pooled = pool(g, enc.tokens, enc.maskFloat, options.pooling);
  output(options.normalize ? l2Normalize(g, pooled) : pooled, 'sentence_embedding');
  if (options.tokenStatesOutput) output(enc.tokens, options.tokenStatesOutput);
  for (const task of options.tasks) {
    // Heads read the un-normalised pooled vector, so the embedding display setting never
    // changes what a trained head sees.
    const head = buildHead(g, pooled, task, heads);
    output(probabilities(g, head.logits), `${task.name}_probs`);
  }
  return g;
}
