/**
 * The encoder every supported architecture shares: its embeddings (architecture-specific) and
 * `embeddings.LayerNorm`, then post-LN layers of multi-head self-attention with an additive
 * padding mask (plus the architecture's attention bias, if any) and an exact-GELU feed-forward
 * block. Hidden states stay 2-D ([tokens, H]) between layers so every projection is one GEMM
 * with its bias fused. Tensor names come from the architecture (architecture.ts).
 */
import {
  type Graph, type Value, add, cast, concat, gelu, layerNorm, linear, matmul, mul, range, reshape, reshapeTo, shapeOf,
  softmax, squeeze, sub, transpose, unsqueeze,
} from '../graph/index.js';
import { type Architecture, EMBEDDINGS_NORM, type EmbeddingContext } from './architecture.js';
import { architectureOf } from './architectures.js';
import type { EncoderConfig } from './encoder-config.js';
import type { Tensor } from './tensor.js';

export interface EncoderInputs {
  readonly inputIds: Value; // int64 [batch, seq]
  readonly attentionMask: Value; // int64 [batch, seq]
  /** Only for architectures that take token types (BERT). */
  readonly tokenTypeIds?: Value; // int64 [batch, seq]
}

/** The encoder's graph inputs, named as exported models of this architecture name them. */
export function encoderInputs(g: Graph, config: EncoderConfig): EncoderInputs {
  return {
    inputIds: g.input('input_ids', 'int64', ['batch', 'seq']),
    attentionMask: g.input('attention_mask', 'int64', ['batch', 'seq']),
    ...(architectureOf(config).tokenTypeInput ? { tokenTypeIds: g.input('token_type_ids', 'int64', ['batch', 'seq']) } : {}),
  };
}

export type DropoutSite = 'embeddings' | 'attention_probs' | 'hidden';

export interface EncoderOptions {
  /** Which backbone parameters (HF names) are graph inputs; the rest are initializers. */
  readonly isTrainable?: (name: string) => boolean;
  /** Applied where the architecture applies dropout; absent at inference. `site` names the place. */
  readonly dropout?: (g: Graph, x: Value, site: DropoutSite, rate: number) => Value;
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

interface LayerContext {
  readonly g: Graph;
  readonly arch: Architecture;
  readonly config: EncoderConfig;
  readonly p: (name: string) => Value;
  readonly drop: (x: Value, site: DropoutSite, rate: number) => Value;
  /** Added to every layer's scores: the padding mask, and the architecture's bias if it has one. */
  readonly scoreBias: Value;
  readonly headsShape: Value;
}

/** One post-LN transformer layer on 2-D hidden states [tokens, H]. */
function encoderLayer(ctx: LayerContext, h: Value, i: number): Value {
  const { g, arch, config, p, drop } = ctx;
  const H = config.hiddenSize;
  const heads = config.numHeads;
  const headDim = H / heads;
  const names = arch.layer;
  const w = (module: string) => p(`${arch.layerPrefix}.${i}.${module}.weight`);
  const b = (module: string) => p(`${arch.layerPrefix}.${i}.${module}.bias`);
  const splitHeads = (t: Value, perm: number[]): Value =>
    transpose(g, reshapeTo(g, t, ctx.headsShape, ['batch', 'seq', heads, headDim]), perm);

  // Scaling q before the product is the same as scaling the scores, on fewer elements.
  const q = splitHeads(mul(g, linear(g, h, w(names.query), b(names.query)), g.scalar(1 / Math.sqrt(headDim))), [0, 2, 1, 3]);
  const k = splitHeads(linear(g, h, w(names.key), b(names.key)), [0, 2, 3, 1]);
  const v = splitHeads(linear(g, h, w(names.value), b(names.value)), [0, 2, 1, 3]);
  const probs = drop(softmax(g, add(g, matmul(g, q, k), ctx.scoreBias), -1), 'attention_probs', config.attentionDropout);
  const context = reshape(g, transpose(g, matmul(g, probs, v), [0, 2, 1, 3]), [-1, H], ['tokens', H]);
  let attnOut = linear(g, context, w(names.attentionOutput), b(names.attentionOutput));
  if (arch.attentionOutputDropout) attnOut = drop(attnOut, 'hidden', config.hiddenDropout);
  const a = layerNorm(g, add(g, attnOut, h), w(names.attentionNorm), b(names.attentionNorm), config.layerNormEps);
  const inter = gelu(g, linear(g, a, w(names.intermediate), b(names.intermediate)));
  const ffOut = drop(linear(g, inter, w(names.output), b(names.output)), 'hidden', config.hiddenDropout);
  return layerNorm(g, add(g, ffOut, a), w(names.outputNorm), b(names.outputNorm), config.layerNormEps);
}

export function buildEncoder(
  g: Graph,
  config: EncoderConfig,
  weights: ReadonlyMap<string, Tensor>,
  inputs: EncoderInputs,
  options: EncoderOptions = {},
): EncoderOutputs {
  const arch = architectureOf(config);
  const H = config.hiddenSize;
  const params = new Map<string, Value>();
  const p = (name: string): Value => {
    const known = params.get(name);
    if (known) return known;
    const t = weights.get(name);
    if (!t) throw new Error(`internal: weight ${name} not loaded`);
    const v = g.parameter(name, t, options.isTrainable?.(name) ?? false);
    params.set(name, v);
    return v;
  };
  const drop = (x: Value, site: DropoutSite, rate: number): Value =>
    options.dropout && rate > 0 ? options.dropout(g, x, site, rate) : x;

  const seqLen = shapeOf(g, inputs.inputIds, 1, 2);
  const embedding: EmbeddingContext = {
    g, config, p, inputIds: inputs.inputIds, tokenTypeIds: inputs.tokenTypeIds, positions: range(g, squeeze(g, seqLen, [0]), 'seq'),
  };
  let x = layerNorm(g, arch.embed(embedding), p(`${EMBEDDINGS_NORM}.weight`), p(`${EMBEDDINGS_NORM}.bias`), config.layerNormEps);
  x = drop(x, 'embeddings', config.hiddenDropout);

  // Additive mask [batch, 1, 1, seq]: 0 where attended, very negative at padding.
  const maskFloat = cast(g, inputs.attentionMask, g.floatType);
  const paddingMask = unsqueeze(g, mul(g, sub(g, g.scalar(1), maskFloat), g.scalar(MASKED_SCORE)), [1, 2]);
  // The bias is computed once and shared by every layer (MPNet's relative position bias).
  const scoreBias = arch.attentionBias ? add(g, arch.attentionBias(embedding), paddingMask) : paddingMask;
  const layer: LayerContext = {
    g, arch, config, p, drop, scoreBias,
    headsShape: concat(g, [g.int64s([-1]), seqLen, g.int64s([config.numHeads, H / config.numHeads])], 0),
  };

  let h = reshape(g, x, [-1, H], ['tokens', H]);
  for (let i = 0; i < config.numLayers; i++) h = encoderLayer(layer, h, i);
  const tokensShape = concat(g, [g.int64s([-1]), seqLen, g.int64s([H])], 0);
  return { tokens: reshapeTo(g, h, tokensShape, ['batch', 'seq', H]), maskFloat, params };
}
