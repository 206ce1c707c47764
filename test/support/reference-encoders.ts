/**
 * Plain float64 forwards of BERT, RoBERTa / XLM-RoBERTa, DistilBERT and MPNet, written from
 * transformers' modeling files (modeling_bert / _roberta / _distilbert / _mpnet.py) with nested
 * loops: the oracles the engine's graphs are checked against. They read the config.json
 * fields and state-dict names themselves and share nothing with the engine but the tensor
 * type, so a wrong name, default or position rule in the engine cannot hide here.
 */
import type { Tensor } from '../../src/engine/model/tensor.js';
import { gelu, layerNorm, linear, type Mat } from './reference-bert.js';

export type ReferenceArchitecture = 'bert' | 'roberta' | 'xlm-roberta' | 'distilbert' | 'mpnet';

interface Spec {
  hidden: number;
  heads: number;
  layers: number;
  eps: number;
  layer: (l: number) => { q: string; k: string; v: string; o: string; ln1: string; ff1: string; ff2: string; ln2: string };
}

function spec(arch: ReferenceArchitecture, c: Record<string, number>): Spec {
  if (arch === 'distilbert') {
    // DistilBertConfig: dim, n_heads, n_layers; LayerNorm eps is 1e-12 in the module code.
    return {
      hidden: c['dim']!, heads: c['n_heads']!, layers: c['n_layers']!, eps: 1e-12,
      layer: (l) => {
        const p = `transformer.layer.${l}.`;
        return { q: `${p}attention.q_lin`, k: `${p}attention.k_lin`, v: `${p}attention.v_lin`, o: `${p}attention.out_lin`, ln1: `${p}sa_layer_norm`, ff1: `${p}ffn.lin1`, ff2: `${p}ffn.lin2`, ln2: `${p}output_layer_norm` };
      },
    };
  }
  const base = { hidden: c['hidden_size']!, heads: c['num_attention_heads']!, layers: c['num_hidden_layers']!, eps: c['layer_norm_eps'] ?? 1e-12 };
  if (arch === 'mpnet') {
    return {
      ...base,
      layer: (l) => {
        const p = `encoder.layer.${l}.`;
        return { q: `${p}attention.attn.q`, k: `${p}attention.attn.k`, v: `${p}attention.attn.v`, o: `${p}attention.attn.o`, ln1: `${p}attention.LayerNorm`, ff1: `${p}intermediate.dense`, ff2: `${p}output.dense`, ln2: `${p}output.LayerNorm` };
      },
    };
  }
  return {
    ...base,
    layer: (l) => {
      const p = `encoder.layer.${l}.`;
      return { q: `${p}attention.self.query`, k: `${p}attention.self.key`, v: `${p}attention.self.value`, o: `${p}attention.output.dense`, ln1: `${p}attention.output.LayerNorm`, ff1: `${p}intermediate.dense`, ff2: `${p}output.dense`, ln2: `${p}output.LayerNorm` };
    },
  };
}

/** Position ids: 0, 1, … (BERT, DistilBERT) or create_position_ids_from_input_ids (RoBERTa, XLM-R, MPNet). */
function positionIds(arch: ReferenceArchitecture, ids: number[], padId: number): number[] {
  if (arch === 'bert' || arch === 'distilbert') return ids.map((_, s) => s);
  let seen = 0;
  return ids.map((id) => (id === padId ? padId : padId + ++seen));
}

/** MPNet's bucket for relative position (key − query), written out from relative_position_bucket. */
function mpnetBucket(relative: number): number {
  const numBuckets = 16; // 32 // 2
  const maxExact = 8;
  const n = -relative;
  let ret = n < 0 ? numBuckets : 0;
  const a = Math.abs(n);
  if (a < maxExact) return ret + a;
  const large = maxExact + Math.floor((Math.log(a / maxExact) / Math.log(128 / maxExact)) * (numBuckets - maxExact));
  ret += Math.min(large, numBuckets - 1);
  return ret;
}

export interface EncoderReference {
  tokens: Mat[];
  meanPooled: Float64Array[];
  clsPooled: Float64Array[];
}

/**
 * The forward of `arch` on padded rows `ids` with `mask` (and BERT's `types`), from its
 * config.json object and un-prefixed state dict.
 */
export function referenceEncoder(
  arch: ReferenceArchitecture,
  config: Record<string, number>,
  w: ReadonlyMap<string, Tensor>,
  ids: number[][],
  mask: number[][],
  types?: number[][],
): EncoderReference {
  const W = (n: string): Tensor => {
    const t = w.get(n);
    if (!t) throw new Error(`reference: no tensor ${n}`);
    return t;
  };
  const s = spec(arch, config);
  const H = s.hidden;
  const hd = H / s.heads;
  // MPNet's embeddings use padding_idx 1 whatever the config says; RoBERTa's use pad_token_id.
  const padId = arch === 'mpnet' ? 1 : config['pad_token_id']!;
  const tokens: Mat[] = [];
  for (let b = 0; b < ids.length; b++) {
    const S = ids[b]!.length;
    const pos = positionIds(arch, ids[b]!, padId);
    let x: Mat = [];
    for (let t = 0; t < S; t++) {
      const row = new Float64Array(H);
      for (let h = 0; h < H; h++) {
        row[h] = W('embeddings.word_embeddings.weight').data[ids[b]![t]! * H + h]! + W('embeddings.position_embeddings.weight').data[pos[t]! * H + h]!;
        // RoBERTa's token_type_ids default to zeros; DistilBERT and MPNet have no token types.
        if (arch === 'bert') row[h]! += W('embeddings.token_type_embeddings.weight').data[(types?.[b]?.[t] ?? 0) * H + h]!;
        if (arch === 'roberta' || arch === 'xlm-roberta') row[h]! += W('embeddings.token_type_embeddings.weight').data[h]!;
      }
      x.push(row);
    }
    x = layerNorm(x, W('embeddings.LayerNorm.weight'), W('embeddings.LayerNorm.bias'), s.eps);
    for (let l = 0; l < s.layers; l++) {
      const n = s.layer(l);
      const q = linear(x, W(`${n.q}.weight`), W(`${n.q}.bias`));
      const k = linear(x, W(`${n.k}.weight`), W(`${n.k}.bias`));
      const v = linear(x, W(`${n.v}.weight`), W(`${n.v}.bias`));
      const ctx: Mat = Array.from({ length: S }, () => new Float64Array(H));
      for (let head = 0; head < s.heads; head++) {
        for (let i = 0; i < S; i++) {
          const scores = new Float64Array(S);
          for (let j = 0; j < S; j++) {
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += q[i]![head * hd + d]! * k[j]![head * hd + d]!;
            scores[j] = dot / Math.sqrt(hd);
            if (arch === 'mpnet') scores[j]! += W('encoder.relative_attention_bias.weight').data[mpnetBucket(j - i) * s.heads + head]!;
            if (!mask[b]![j]) scores[j] = -1e30;
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
      const attn = linear(ctx, W(`${n.o}.weight`), W(`${n.o}.bias`));
      const h1 = layerNorm(attn.map((r, i) => r.map((val, j) => val + x[i]![j]!)), W(`${n.ln1}.weight`), W(`${n.ln1}.bias`), s.eps);
      const inter = linear(h1, W(`${n.ff1}.weight`), W(`${n.ff1}.bias`)).map((r) => r.map(gelu));
      const out = linear(inter, W(`${n.ff2}.weight`), W(`${n.ff2}.bias`));
      x = layerNorm(out.map((r, i) => r.map((val, j) => val + h1[i]![j]!)), W(`${n.ln2}.weight`), W(`${n.ln2}.bias`), s.eps);
    }
    tokens.push(x);
  }
  const meanPooled = tokens.map((x, b) => {
    const out = new Float64Array(H);
    let count = 0;
    x.forEach((row, t) => {
      if (!mask[b]![t]) return;
      count++;
      row.forEach((v, h) => (out[h]! += v));
    });
    return out.map((v) => v / count);
  });
  return { tokens, meanPooled, clsPooled: tokens.map((x) => Float64Array.from(x[0]!)) };
}

/** A checkpoint's tensors with the base-model prefix (`bert.`, `roberta.`, …) taken off. */
export function withoutBasePrefix(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of tensors) out.set(name.replace(/^(bert|roberta|distilbert|mpnet)\./, ''), t);
  return out;
}
