/**
 * The masked-language-model head of the model's architecture (BertForMaskedLM's
 * `cls.predictions`, RoBERTa/XLM-R/MPNet's `lm_head`, DistilBERT's `vocab_*`; names in each
 * architecture module): dense → GELU → LayerNorm over the hidden states of the masked
 * positions, then a projection onto the vocabulary whose weight IS the word-embedding table
 * (tied) plus a bias per token. Only the masked positions are projected: the vocabulary GEMM is
 * the costliest op of the step, and the other 85% of the tokens have no label.
 */
import { type Graph, type Value, gather, gelu, layerNorm, linear, reshape } from '../graph/index.js';
import { Rng } from '../random.js';
import { architectureOf } from '../model/architectures.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import type { Tensor } from '../model/tensor.js';
import { legacyName, maskedLmHeadShapes } from '../model/weights.js';

/** Whether a parameter or checkpoint tensor belongs to the head (under any name it may be saved as). */
export function isMlmHeadName(c: EncoderConfig, name: string): boolean {
  const { dense, norm, bias, decoder } = architectureOf(c).maskedLm;
  return name === bias || name === `${decoder}.bias` || [dense, norm].some((m) => name.startsWith(`${m}.`));
}

/** Fresh head weights as the …ForMaskedLM classes initialise them: N(0, std) dense, LayerNorm 1/0, zero biases. */
export function initMlmHead(c: EncoderConfig, seed: number, std = 0.02): Map<string, Tensor> {
  const { dense, norm } = architectureOf(c).maskedLm;
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  for (const [name, shape] of maskedLmHeadShapes(c)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name === `${dense}.weight`) for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
    else if (name === `${norm}.weight`) data.fill(1);
    out.set(name, { shape, data });
  }
  return out;
}

/**
 * Picks the head out of a checkpoint's tensors: HF names, with the legacy gamma/beta
 * LayerNorm names and the tied decoder's bias name accepted. Returns undefined when the
 * checkpoint has no (complete) head.
 */
export function selectMlmHead(all: ReadonlyMap<string, Tensor>, c: EncoderConfig): Map<string, Tensor> | undefined {
  const { bias, decoder } = architectureOf(c).maskedLm;
  const out = new Map<string, Tensor>();
  for (const [name, shape] of maskedLmHeadShapes(c)) {
    const t = all.get(name) ?? all.get(legacyName(name)) ?? (name === bias ? all.get(`${decoder}.bias`) : undefined);
    if (!t || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) return undefined;
    out.set(name, t);
  }
  return out;
}

export interface MlmHeadOutputs {
  /** [masked, vocab] */
  readonly logits: Value;
  readonly params: ReadonlyMap<string, Value>;
}

/**
 * tokens: the encoder's [batch, seq, H] states; positions: int64 [masked], flat indices
 * b·seq + s of the masked tokens; wordEmbeddings: the encoder's own table value (tied).
 */
export function addMlmHead(
  g: Graph,
  c: EncoderConfig,
  tokens: Value,
  positions: Value,
  wordEmbeddings: Value,
  weights: ReadonlyMap<string, Tensor>,
  isTrainable: (name: string) => boolean,
): MlmHeadOutputs {
  const { dense, norm, bias } = architectureOf(c).maskedLm;
  const params = new Map<string, Value>();
  const p = (name: string): Value => {
    const t = weights.get(name);
    if (!t) throw new Error(`internal: MLM head tensor ${name} not loaded`);
    const v = g.parameter(name, t, isTrainable(name));
    params.set(name, v);
    return v;
  };
  const H = c.hiddenSize;
  const flat = reshape(g, tokens, [-1, H], ['tokens', H]);
  const picked = gather(g, flat, positions);
  const transformed = gelu(g, linear(g, picked, p(`${dense}.weight`), p(`${dense}.bias`)));
  const normed = layerNorm(g, transformed, p(`${norm}.weight`), p(`${norm}.bias`), c.layerNormEps);
  // x·Eᵀ + b with E [vocab, H]: linear() takes weights as [out, in], which the table already is.
  const logits = linear(g, normed, wordEmbeddings, p(bias));
  return { logits, params };
}
