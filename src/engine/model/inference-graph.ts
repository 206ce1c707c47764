/**
 * The inference model: token ids → sentence embedding and each task's probabilities, as one
 * ONNX graph with every weight an initializer (so ONNX Runtime can fold and fuse freely).
 * The same graph is what `export` writes.
 */
import { type FloatType, Graph, l2Normalize } from '../graph/index.js';
import { buildBertEncoder, encoderInputs } from './bert.js';
import type { Tensor } from './bert-weights.js';
import type { BertConfig } from './config.js';
import { buildHead, probabilities, type TaskSpec } from './heads.js';
import { pool, type Pooling } from './pooling.js';

export interface InferenceGraphOptions {
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly tasks: readonly TaskSpec[];
  readonly floatType?: FloatType;
  /** Also output token states under this name (the parity tests; transformers.js reads last_hidden_state). */
  readonly tokenStatesOutput?: string;
}

export function buildInferenceGraph(
  config: BertConfig,
  backbone: ReadonlyMap<string, Tensor>,
  heads: ReadonlyMap<string, Tensor>,
  options: InferenceGraphOptions,
): Graph {
  const g = new Graph({ floatType: options.floatType, name: 'sentence_lens_inference' });
  const inputs = encoderInputs(g);
  const enc = buildBertEncoder(g, config, backbone, inputs);
  const pooled = pool(g, enc.tokens, enc.maskFloat, options.pooling);
  g.output(options.normalize ? l2Normalize(g, pooled) : pooled, 'sentence_embedding');
  if (options.tokenStatesOutput) g.output(enc.tokens, options.tokenStatesOutput);
  for (const task of options.tasks) {
    // Heads read the un-normalised pooled vector, so the embedding display setting never
    // changes what a trained head sees.
    const head = buildHead(g, pooled, task, heads);
    g.output(probabilities(g, head.logits), `${task.name}_probs`);
  }
  return g;
}
