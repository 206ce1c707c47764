/**
 * The BERT encoder as Hugging Face BertModel computes it: word + position + token-type
 * embeddings, LayerNorm, then post-LN layers of multi-head self-attention with an additive
 * padding mask and an exact-GELU feed-forward block. Hidden states stay 2-D ([tokens, H])
 * between layers so every projection is one GEMM with its bias fused.
 */
import {
  type Graph, type Value, add, cast, concat, gather, gelu, layerNorm, linear, matmul, mul, range, reshape,
  reshapeTo, shapeOf, softmax, squeeze, sub, transpose, unsqueeze,
} from '../graph/index.js';
import type { BertConfig } from './config.js';
import type { Tensor } from './bert-weights.js';

export interface EncoderInputs {
  readonly inputIds: Value; // int64 [batch, seq]
  readonly attentionMask: Value; // int64 [batch, seq]
  readonly tokenTypeIds: Value; // int64 [batch, seq]
}

/** The encoder's graph inputs, named as every exported BERT model names them. */
export function encoderInputs(g: Graph): EncoderInputs {
  return {
    inputIds: g.input('input_ids', 'int64', ['batch', 'seq']),
    attentionMask: g.input('attention_mask', 'int64', ['batch', 'seq']),
    tokenTypeIds: g.input('token_type_ids', 'int64', ['batch', 'seq']),
  };
}

export interface EncoderOptions {
  /** Which backbone parameters (HF names) are graph inputs; the rest are initializers. */
  readonly isTrainable?: (name: string) => boolean;
  /** Applied where BertModel applies dropout; absent at inference. `site` names the place. */
  readonly dropout?: (g: Graph, x: Value, site: 'embeddings' | 'attention_probs' | 'hidden', rate: number) => Value;
}

export interface EncoderOutputs {
  /** Token states [batch, seq, hidden]. */
  readonly tokens: Value;
  /** Attention mask as the float type [batch, seq]. */
  readonly maskFloat: Value;
  /** Parameter values by HF name, for callers that differentiate with respect to them. */
  readonly params: ReadonlyMap<string, Value>;
}

/** Large enough that exp() of a masked score underflows to exactly 0 in float32 and float64. */
const MASKED_SCORE = -1e9;

export function buildBertEncoder(
  g: Graph,
  config: BertConfig,
  weights: ReadonlyMap<string, Tensor>,
  inputs: EncoderInputs,
  options: EncoderOptions = {},
): EncoderOutputs {
  const H = config.hiddenSize;
  const heads = config.numHeads;
  const headDim = H / heads;
  const params = new Map<string, Value>();
  const p = (name: string): Value => {
    const t = weights.get(name);
    if (!t) throw new Error(`internal: weight ${name} not loaded`);
    const v = g.parameter(name, t, options.isTrainable?.(name) ?? false);
    params.set(name, v);
    return v;
  };
  const drop = (x: Value, site: 'embeddings' | 'attention_probs' | 'hidden', rate: number): Value =>
    options.dropout && rate > 0 ? options.dropout(g, x, site, rate) : x;

  const { inputIds, attentionMask, tokenTypeIds } = inputs;

  // Embeddings.
  const seqLen = shapeOf(g, inputIds, 1, 2);
  const positions = range(g, squeeze(g, seqLen, [0]), 'seq');
  let x = add(g, gather(g, p('embeddings.word_embeddings.weight'), inputIds), gather(g, p('embeddings.position_embeddings.weight'), positions));
  x = add(g, x, gather(g, p('embeddings.token_type_embeddings.weight'), tokenTypeIds));
  x = layerNorm(g, x, p('embeddings.LayerNorm.weight'), p('embeddings.LayerNorm.bias'), config.layerNormEps);
  x = drop(x, 'embeddings', config.hiddenDropout);

  // Additive mask [batch, 1, 1, seq]: 0 where attended, very negative at padding.
  const maskFloat = cast(g, attentionMask, g.floatType);
  const additiveMask = unsqueeze(g, mul(g, sub(g, g.scalar(1), maskFloat), g.scalar(MASKED_SCORE)), [1, 2]);

  const headsShape = concat(g, [g.int64s([-1]), seqLen, g.int64s([heads, headDim])], 0);
  const tokensShape = concat(g, [g.int64s([-1]), seqLen, g.int64s([H])], 0);
  let h = reshape(g, x, [-1, H], ['tokens', H]);
  const scale = g.scalar(1 / Math.sqrt(headDim));
  const splitHeads = (t: Value, perm: number[]): Value =>
    transpose(g, reshapeTo(g, t, headsShape, ['batch', 'seq', heads, headDim]), perm);

  for (let i = 0; i < config.numLayers; i++) {
    const n = (s: string): Value => p(`encoder.layer.${i}.${s}`);
    // Scaling q before the product is the same as scaling the scores, on fewer elements.
    const q = splitHeads(mul(g, linear(g, h, n('attention.self.query.weight'), n('attention.self.query.bias')), scale), [0, 2, 1, 3]);
    const k = splitHeads(linear(g, h, n('attention.self.key.weight'), n('attention.self.key.bias')), [0, 2, 3, 1]);
    const v = splitHeads(linear(g, h, n('attention.self.value.weight'), n('attention.self.value.bias')), [0, 2, 1, 3]);
    const probs = drop(softmax(g, add(g, matmul(g, q, k), additiveMask), -1), 'attention_probs', config.attentionDropout);
    const context = reshape(g, transpose(g, matmul(g, probs, v), [0, 2, 1, 3]), [-1, H], ['tokens', H]);
    const attnOut = drop(linear(g, context, n('attention.output.dense.weight'), n('attention.output.dense.bias')), 'hidden', config.hiddenDropout);
    h = layerNorm(g, add(g, attnOut, h), n('attention.output.LayerNorm.weight'), n('attention.output.LayerNorm.bias'), config.layerNormEps);
    const inter = gelu(g, linear(g, h, n('intermediate.dense.weight'), n('intermediate.dense.bias')));
    const ffOut = drop(linear(g, inter, n('output.dense.weight'), n('output.dense.bias')), 'hidden', config.hiddenDropout);
    h = layerNorm(g, add(g, ffOut, h), n('output.LayerNorm.weight'), n('output.LayerNorm.bias'), config.layerNormEps);
  }

  const tokens = reshapeTo(g, h, tokensShape, ['batch', 'seq', H]);
  return { tokens, maskFloat, params };
}
