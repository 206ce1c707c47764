/**
 * The BertModel parameter set: Hugging Face state-dict names, expected shapes, and loading
 * from a tensor map that may carry a `bert.` prefix and unrelated tensors (cls.*, pooler).
 */
import { SentenceLensError } from '../errors.js';
import type { BertConfig } from './config.js';

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type TensorMap = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

/** Every backbone tensor the encoder needs, in HF names without prefix, with its shape. */
export function bertParameterShapes(c: BertConfig): Map<string, number[]> {
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const m = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [c.vocabSize, H]],
    ['embeddings.position_embeddings.weight', [c.maxPositions, H]],
    ['embeddings.token_type_embeddings.weight', [c.typeVocabSize, H]],
    ['embeddings.LayerNorm.weight', [H]],
    ['embeddings.LayerNorm.bias', [H]],
  ]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const n of ['query', 'key', 'value']) {
      m.set(`${p}attention.self.${n}.weight`, [H, H]);
      m.set(`${p}attention.self.${n}.bias`, [H]);
    }
    m.set(`${p}attention.output.dense.weight`, [H, H]);
    m.set(`${p}attention.output.dense.bias`, [H]);
    m.set(`${p}attention.output.LayerNorm.weight`, [H]);
    m.set(`${p}attention.output.LayerNorm.bias`, [H]);
    m.set(`${p}intermediate.dense.weight`, [I, H]);
    m.set(`${p}intermediate.dense.bias`, [I]);
    m.set(`${p}output.dense.weight`, [H, I]);
    m.set(`${p}output.dense.bias`, [H]);
    m.set(`${p}output.LayerNorm.weight`, [H]);
    m.set(`${p}output.LayerNorm.bias`, [H]);
  }
  return m;
}

/** Older checkpoints name LayerNorm parameters gamma/beta. */
function legacyName(name: string): string {
  return name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
}

/**
 * Picks the backbone tensors out of a checkpoint's tensors, accepting names with or without
 * the `bert.` prefix and ignoring everything else. Returns un-prefixed names.
 */
export function selectBertWeights(all: TensorMap, c: BertConfig, source: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, shape] of bertParameterShapes(c)) {
    const candidates = [name, `bert.${name}`, legacyName(name), `bert.${legacyName(name)}`];
    const found = candidates.map((n) => all.get(n)).find((t) => t !== undefined);
    if (!found) {
      throw new SentenceLensError('MISSING_TENSOR', `${source}: tensor "${name}" (or "bert.${name}") is missing; expected shape [${shape.join(', ')}]`);
    }
    if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
      throw new SentenceLensError('BAD_TENSOR_SHAPE', `${source}: tensor "${name}" has shape [${found.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`);
    }
    out.set(name, { shape: found.shape, data: found.data });
  }
  return out;
}

/** Names the safetensors reader should convert (skips cls.*, pooler and anything else). */
export function isBertTensorName(name: string): boolean {
  const n = name.startsWith('bert.') ? name.slice(5) : name;
  return n.startsWith('embeddings.') || n.startsWith('encoder.');
}
