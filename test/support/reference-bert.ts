/**
 * A plain float64 BERT forward written from the paper and Hugging Face's BertModel, with
 * nested loops and no shared code with the graph builder: the oracle the ONNX graph is
 * checked against.
 */
import type { EncoderConfig } from '../../src/engine/model/encoder-config.js';
import type { Tensor } from '../../src/engine/model/tensor.js';

export type Mat = Float64Array[]; // rows

export function linear(x: Mat, w: Tensor, b: Tensor): Mat {
  const [out, inp] = w.shape as [number, number];
  return x.map((row) => {
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = b.data[o]!;
      for (let i = 0; i < inp; i++) s += row[i]! * w.data[o * inp + i]!;
      y[o] = s;
    }
    return y;
  });
}

export function layerNorm(x: Mat, w: Tensor, b: Tensor, eps: number): Mat {
  return x.map((row) => {
    const n = row.length;
    let mean = 0;
    for (const v of row) mean += v;
    mean /= n;
    let vr = 0;
    for (const v of row) vr += (v - mean) ** 2;
    vr /= n;
    const inv = 1 / Math.sqrt(vr + eps);
    return row.map((v, i) => (v - mean) * inv * w.data[i]! + b.data[i]!);
  });
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for 1e-6 checks; use a series / continued fraction.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 100; n++) {
      term *= (-t * t) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction for larger |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (t + f);
  const erfc = Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
  return Math.sign(x) * (1 - erfc);
}

export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

export interface ReferenceOutput {
  /** [batch][seq] rows of hidden size */
  tokens: Mat[];
  meanPooled: Float64Array[];
  clsPooled: Float64Array[];
}

export function referenceBert(
  c: EncoderConfig,
  w: ReadonlyMap<string, Tensor>,
  ids: number[][],
  mask: number[][],
  types: number[][],
): ReferenceOutput {
  const W = (n: string): Tensor => w.get(n)!;
  const H = c.hiddenSize;
  const nh = c.numHeads;
  const hd = H / nh;
  const tokens: Mat[] = [];
  for (let b = 0; b < ids.length; b++) {
    const S = ids[b]!.length;
    let x: Mat = [];
    for (let s = 0; s < S; s++) {
      const row = new Float64Array(H);
      for (let h = 0; h < H; h++) {
        row[h] =
          W('embeddings.word_embeddings.weight').data[ids[b]![s]! * H + h]! +
          W('embeddings.position_embeddings.weight').data[s * H + h]! +
          W('embeddings.token_type_embeddings.weight').data[types[b]![s]! * H + h]!;
      }
      x.push(row);
    }
    x = layerNorm(x, W('embeddings.LayerNorm.weight'), W('embeddings.LayerNorm.bias'), c.layerNormEps);
    for (let l = 0; l < c.numLayers; l++) {
      const p = `encoder.layer.${l}.`;
      const q = linear(x, W(`${p}attention.self.query.weight`), W(`${p}attention.self.query.bias`));
      const k = linear(x, W(`${p}attention.self.key.weight`), W(`${p}attention.self.key.bias`));
      const v = linear(x, W(`${p}attention.self.value.weight`), W(`${p}attention.self.value.bias`));
      const ctx: Mat = Array.from({ length: S }, () => new Float64Array(H));
      for (let head = 0; head < nh; head++) {
        for (let i = 0; i < S; i++) {
          const scores = new Float64Array(S);
          for (let j = 0; j < S; j++) {
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += q[i]![head * hd + d]! * k[j]![head * hd + d]!;
            scores[j] = dot / Math.sqrt(hd) + (mask[b]![j] ? 0 : -1e9);
          }
          const m = Math.max(...scores);
          let z = 0;
          for (let j = 0; j < S; j++) z += (scores[j] = Math.exp(scores[j]! - m));
          for (let j = 0; j < S; j++) {
            const pj = scores[j]! / z;
            for (let d = 0; d < hd; d++) ctx[i]![head * hd + d]! += pj * v[j]![head * hd + d]!;
          }
        }
      }
      const attn = linear(ctx, W(`${p}attention.output.dense.weight`), W(`${p}attention.output.dense.bias`));
      const h1 = layerNorm(attn.map((r, i) => r.map((val, j) => val + x[i]![j]!)), W(`${p}attention.output.LayerNorm.weight`), W(`${p}attention.output.LayerNorm.bias`), c.layerNormEps);
      const inter = linear(h1, W(`${p}intermediate.dense.weight`), W(`${p}intermediate.dense.bias`)).map((r) => r.map(gelu));
      const out = linear(inter, W(`${p}output.dense.weight`), W(`${p}output.dense.bias`));
      x = layerNorm(out.map((r, i) => r.map((val, j) => val + h1[i]![j]!)), W(`${p}output.LayerNorm.weight`), W(`${p}output.LayerNorm.bias`), c.layerNormEps);
    }
    tokens.push(x);
  }
  const meanPooled = tokens.map((x, b) => {
    const out = new Float64Array(H);
    let n = 0;
    x.forEach((row, s) => {
      if (!mask[b]![s]) return;
      n++;
      row.forEach((v, h) => (out[h]! += v));
    });
    return out.map((v) => v / n);
  });
  const clsPooled = tokens.map((x) => Float64Array.from(x[0]!));
  return { tokens, meanPooled, clsPooled };
}
