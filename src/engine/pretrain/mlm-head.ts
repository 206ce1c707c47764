/**
 * BERT's masked-language-model head (BertForMaskedLM's `cls.predictions`): dense → GELU →
 * LayerNorm over the hidden states of the masked positions, then a projection onto the
 * vocabulary whose weight IS the word-embedding table (tied, as in BERT) plus a bias per token.
 * Only the masked positions are projected: the vocabulary GEMM is the costliest op of the
 * step, and the other 85% of the tokens have no label.
 */
import { type Graph, type Value, gather, gelu, layerNorm, linear, reshape } from '../graph/index.js';
import { Rng } from '../random.js';
import type { Tensor } from '../model/bert-weights.js';
import type { BertConfig } from '../model/config.js';

/** The head's tensors, Hugging Face names (the decoder weight is tied and not stored). */
export function mlmHeadShapes(c: BertConfig): Map<string, number[]> {
  const H = c.hiddenSize;
  return new Map([
    ['cls.predictions.transform.dense.weight', [H, H]],
    ['cls.predictions.transform.dense.bias', [H]],
    ['cls.predictions.transform.LayerNorm.weight', [H]],
    ['cls.predictions.transform.LayerNorm.bias', [H]],
    ['cls.predictions.bias', [c.vocabSize]],
  ]);
}

export const isMlmHeadName = (name: string): boolean => name.startsWith('cls.predictions.');

/** Fresh head weights as BertForMaskedLM initialises them: N(0, 0.02) dense, LayerNorm 1/0, zero biases. */
export function initMlmHead(c: BertConfig, seed: number, std = 0.02): Map<string, Tensor> {
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  for (const [name, shape] of mlmHeadShapes(c)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith('dense.weight')) for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
    else if (name.endsWith('LayerNorm.weight')) data.fill(1);
    out.set(name, { shape, data });
  }
  return out;
}

/**
 * Picks the head out of a checkpoint's tensors: HF names, with the legacy gamma/beta
 * LayerNorm names accepted. Returns undefined when the checkpoint has no (complete) head.
 */
export function selectMlmHead(all: ReadonlyMap<string, Tensor>, c: BertConfig): Map<string, Tensor> | undefined {
  const out = new Map<string, Tensor>();
  for (const [name, shape] of mlmHeadShapes(c)) {
    const legacy = name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
    const t = all.get(name) ?? all.get(legacy);
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
  c: BertConfig,
  tokens: Value,
  positions: Value,
  wordEmbeddings: Value,
  weights: ReadonlyMap<string, Tensor>,
  isTrainable: (name: string) => boolean,
): MlmHeadOutputs {
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
  const dense = gelu(g, linear(g, picked, p('cls.predictions.transform.dense.weight'), p('cls.predictions.transform.dense.bias')));
  const normed = layerNorm(g, dense, p('cls.predictions.transform.LayerNorm.weight'), p('cls.predictions.transform.LayerNorm.bias'), c.layerNormEps);
  // x·Eᵀ + b with E [vocab, H]: linear() takes weights as [out, in], which the table already is.
  const logits = linear(g, normed, wordEmbeddings, p('cls.predictions.bias'));
  return { logits, params };
}
