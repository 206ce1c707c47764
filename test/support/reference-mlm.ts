/**
 * The masked-LM loss in plain float64 loops, from transformers' …ForMaskedLM heads: the
 * reference encoder's token states at the masked positions → dense → GELU → LayerNorm →
 * logits against the word-embedding table (tied) plus a bias → mean negative log-likelihood of
 * the original tokens. The head's tensor names and LayerNorm eps are written out here from
 * each modeling file (BertOnlyMLMHead, RobertaLMHead / XLMRobertaLMHead, DistilBertForMaskedLM,
 * MPNetLMHead). Shares no code with the graph builder.
 */
import type { EncoderConfig } from '../../src/engine/model/encoder-config.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import { gelu, type Mat, referenceBert } from './reference-bert.js';
import { type ReferenceArchitecture, referenceEncoder } from './reference-encoders.js';

export interface MlmCase {
  ids: number[][];
  mask: number[][];
  /** [batch index, position, original id] per prediction. */
  predictions: [number, number, number][];
}

interface HeadNames {
  dense: string;
  norm: string;
  bias: string;
}

const LM_HEAD: HeadNames = { dense: 'lm_head.dense', norm: 'lm_head.layer_norm', bias: 'lm_head.bias' };

/** Each …ForMaskedLM's head as its state dict names it. */
export const REFERENCE_MLM_HEADS: Record<ReferenceArchitecture, HeadNames> = {
  bert: { dense: 'cls.predictions.transform.dense', norm: 'cls.predictions.transform.LayerNorm', bias: 'cls.predictions.bias' },
  roberta: LM_HEAD,
  'xlm-roberta': LM_HEAD,
  distilbert: { dense: 'vocab_transform', norm: 'vocab_layer_norm', bias: 'vocab_projector.bias' },
  mpnet: LM_HEAD,
};

function headLoss(tokens: Mat[], names: HeadNames, eps: number, E: Float32Array, head: ReadonlyMap<string, Tensor>, predictions: MlmCase['predictions']): { loss: number; correct: number } {
  const W = (n: string) => {
    const t = head.get(n);
    if (!t) throw new Error(`reference: no head tensor ${n}`);
    return t.data;
  };
  const H = W(`${names.norm}.weight`).length;
  const V = W(names.bias).length;
  let nll = 0;
  let correct = 0;
  for (const [b, s, label] of predictions) {
    const h = tokens[b]![s]!;
    const d = new Float64Array(H);
    for (let o = 0; o < H; o++) {
      let acc = W(`${names.dense}.bias`)[o]!;
      for (let i = 0; i < H; i++) acc += W(`${names.dense}.weight`)[o * H + i]! * h[i]!;
      d[o] = gelu(acc);
    }
    let mean = 0;
    for (const v of d) mean += v / H;
    let variance = 0;
    for (const v of d) variance += (v - mean) ** 2 / H;
    const n = d.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * W(`${names.norm}.weight`)[i]! + W(`${names.norm}.bias`)[i]!);
    const logits = new Float64Array(V);
    for (let v = 0; v < V; v++) {
      let acc = W(names.bias)[v]!;
      for (let i = 0; i < H; i++) acc += n[i]! * E[v * H + i]!;
      logits[v] = acc;
    }
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[v]! > logits[best]!) best = v;
    if (best === label) correct++;
    const m = Math.max(...logits);
    let z = 0;
    for (const l of logits) z += Math.exp(l - m);
    nll += -(logits[label]! - m - Math.log(z));
  }
  return { loss: nll / predictions.length, correct };
}

/** BertForMaskedLM on the BERT reference (token types 0). */
export function referenceMlmLoss(c: EncoderConfig, backbone: ReadonlyMap<string, Tensor>, head: ReadonlyMap<string, Tensor>, x: MlmCase): { loss: number; correct: number } {
  const types = x.ids.map((row) => row.map(() => 0));
  const { tokens } = referenceBert(c, backbone, x.ids, x.mask, types);
  return headLoss(tokens, REFERENCE_MLM_HEADS.bert, c.layerNormEps, backbone.get('embeddings.word_embeddings.weight')!.data, head, x.predictions);
}

/**
 * `arch`'s …ForMaskedLM from its config.json object, its un-prefixed backbone tensors and its
 * head tensors. DistilBERT's vocab_layer_norm is built with eps 1e-12; the others read
 * layer_norm_eps (transformers' default 1e-12).
 */
export function referenceMaskedLmLoss(
  arch: ReferenceArchitecture,
  config: Record<string, number>,
  backbone: ReadonlyMap<string, Tensor>,
  head: ReadonlyMap<string, Tensor>,
  x: MlmCase,
): { loss: number; correct: number } {
  const { tokens } = referenceEncoder(arch, config, backbone, x.ids, x.mask);
  const eps = arch === 'distilbert' ? 1e-12 : (config['layer_norm_eps'] ?? 1e-12);
  return headLoss(tokens, REFERENCE_MLM_HEADS[arch], eps, backbone.get('embeddings.word_embeddings.weight')!.data, head, x.predictions);
}
