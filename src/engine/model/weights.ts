/**
 * A backbone's parameter set: every tensor the encoder reads, by the architecture's own
 * Hugging Face name (no base-model prefix) with its expected shape, and picking those out of a
 * checkpoint that may carry the prefix, older names and unrelated tensors (LM heads).
 */
import { SentenceLensError } from '../errors.js';
import { architectureOf } from './architectures.js';
import type { EncoderConfig } from './encoder-config.js';
import type { Tensor, TensorMap } from './tensor.js';

/** Every backbone tensor the encoder needs, in HF names without prefix, with its shape (module order). */
export function parameterShapes(c: EncoderConfig): Map<string, number[]> {
  const arch = architectureOf(c);
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const m = new Map<string, number[]>(arch.embeddingShapes(c));
  const { layer } = arch;
  const linear = (prefix: string, name: string, out: number, inp: number) => {
    m.set(`${prefix}${name}.weight`, [out, inp]);
    m.set(`${prefix}${name}.bias`, [out]);
  };
  const norm = (prefix: string, name: string) => {
    m.set(`${prefix}${name}.weight`, [H]);
    m.set(`${prefix}${name}.bias`, [H]);
  };
  for (let i = 0; i < c.numLayers; i++) {
    const p = `${arch.layerPrefix}.${i}.`;
    for (const n of [layer.query, layer.key, layer.value, layer.attentionOutput]) linear(p, n, H, H);
    norm(p, layer.attentionNorm);
    linear(p, layer.intermediate, I, H);
    linear(p, layer.output, H, I);
    norm(p, layer.outputNorm);
  }
  return m;
}

/**
 * The masked-LM head's stored tensors (the tied decoder weight is the word-embedding table and
 * is not stored), HF names, in the order its …ForMaskedLM registers them.
 */
export function maskedLmHeadShapes(c: EncoderConfig): Map<string, number[]> {
  const { dense, norm, bias } = architectureOf(c).maskedLm;
  const H = c.hiddenSize;
  return new Map([
    [`${dense}.weight`, [H, H]],
    [`${dense}.bias`, [H]],
    [`${norm}.weight`, [H]],
    [`${norm}.bias`, [H]],
    [bias, [c.vocabSize]],
  ]);
}

/** Older (TensorFlow-converted) checkpoints name LayerNorm parameters gamma/beta. */
export function legacyName(name: string): string {
  return name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
}

/** The names a checkpoint may use for `name`: as is, with the base-model prefix, and the legacy forms. */
function candidateNames(c: EncoderConfig, name: string): string[] {
  const prefix = `${architectureOf(c).prefix}.`;
  const legacy = legacyName(name);
  return legacy === name ? [name, prefix + name] : [name, prefix + name, legacy, prefix + legacy];
}

/** The base-model prefix taken off a checkpoint name, if it has it. */
export function withoutPrefix(c: EncoderConfig, name: string): string {
  const prefix = `${architectureOf(c).prefix}.`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** Tensors kept in checkpoints though the encoder does not read them: the pooler. */
export function isPoolerName(c: EncoderConfig, name: string): boolean {
  return withoutPrefix(c, name).startsWith('pooler.');
}

/** Which checkpoint tensors to convert on load: the backbone's (any accepted name) and the pooler. */
export function backboneTensorFilter(c: EncoderConfig): (name: string) => boolean {
  const wanted = new Set<string>();
  for (const name of parameterShapes(c).keys()) for (const n of candidateNames(c, name)) wanted.add(n);
  return (name) => wanted.has(name) || isPoolerName(c, name);
}

/**
 * Picks the backbone tensors out of a checkpoint's tensors, accepting names with or without
 * the base-model prefix and ignoring everything else. Returns un-prefixed names.
 */
export function selectBackboneWeights(all: TensorMap, c: EncoderConfig, source: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const prefix = architectureOf(c).prefix;
  for (const [name, shape] of parameterShapes(c)) {
    const found = candidateNames(c, name).map((n) => all.get(n)).find((t) => t !== undefined);
    if (!found) {
      throw new SentenceLensError('MISSING_TENSOR', `${source}: tensor "${name}" (or "${prefix}.${name}") is missing; expected shape [${shape.join(', ')}]`);
    }
    if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
      throw new SentenceLensError('BAD_TENSOR_SHAPE', `${source}: tensor "${name}" has shape [${found.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`);
    }
    out.set(name, { shape: found.shape, data: found.data });
  }
  return out;
}
