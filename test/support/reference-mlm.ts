/**
 * The masked-LM loss in plain float64 loops, from BERT's BertForMaskedLM: the reference
 * encoder's token states at the masked positions → dense → GELU → LayerNorm → logits against
 * the word-embedding table (tied) plus a bias → mean negative log-likelihood of the original
 * tokens. Shares no code with the graph builder.
 */
import type { Tensor } from '../../src/engine/model/tensor.js';
import type { EncoderConfig } from '../../src/engine/model/encoder-config.js';
import { gelu, referenceBert } from './reference-bert.js';

export interface MlmCase {
  ids: number[][];
  mask: number[][];
  /** [batch index, position, original id] per prediction. */
  predictions: [number, number, number][];
}

export function referenceMlmLoss(c: EncoderConfig, backbone: ReadonlyMap<string, Tensor>, head: ReadonlyMap<string, Tensor>, x: MlmCase): { loss: number; correct: number } {
  const types = x.ids.map((row) => row.map(() => 0));
  const { tokens } = referenceBert(c, backbone, x.ids, x.mask, types);
  const H = c.hiddenSize;
  const V = c.vocabSize;
  const W = (n: string) => head.get(n)!.data;
  const E = backbone.get('embeddings.word_embeddings.weight')!.data;
  let nll = 0;
  let correct = 0;
  for (const [b, s, label] of x.predictions) {
    const h = tokens[b]![s]!;
    const d = new Float64Array(H);
    for (let o = 0; o < H; o++) {
      let acc = W('cls.predictions.transform.dense.bias')[o]!;
      for (let i = 0; i < H; i++) acc += W('cls.predictions.transform.dense.weight')[o * H + i]! * h[i]!;
      d[o] = gelu(acc);
    }
    let mean = 0;
    for (const v of d) mean += v / H;
    let variance = 0;
    for (const v of d) variance += (v - mean) ** 2 / H;
    const n = d.map((v, i) => ((v - mean) / Math.sqrt(variance + c.layerNormEps)) * W('cls.predictions.transform.LayerNorm.weight')[i]! + W('cls.predictions.transform.LayerNorm.bias')[i]!);
    const logits = new Float64Array(V);
    for (let v = 0; v < V; v++) {
      let acc = W('cls.predictions.bias')[v]!;
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
  return { loss: nll / x.predictions.length, correct };
}
