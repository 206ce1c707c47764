/**
 * Everything a pretraining run needs before its first step: the corpus read and packed into
 * sequences, split (seeded) into training and validation sequences, the model (continued, or
 * from scratch on a new WordPiece vocabulary) and its masked-LM head, and the parameters.
 * A resumed run takes the model from its last checkpoint and re-reads the same corpus.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { DownloadOptions } from '../hub.js';
import { maxSequenceLength } from '../model/architectures.js';
import type { BertConfigJson } from '../model/config-json.js';
import { readModelConfig } from '../model/config.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import { generateModelFolder } from '../model/generate.js';
import { type LoadedModel, loadModel, loadModelFolder } from '../model/load.js';
import { resolveModelSource } from '../model/source.js';
import type { Tensor } from '../model/tensor.js';
import { Rng } from '../random.js';
import { ParameterSet } from '../train/step.js';
import { readSafetensors } from '../weights/safetensors.js';
import { type CorpusText, readCorpus } from './corpus.js';
import { type MlmSpecialIds, mlmSpecialIds, type PackedSequence, packSequences } from './mlm-data.js';
import { initMlmHead, isMlmHeadName, selectMlmHead } from './mlm-head.js';
import type { ResolvedPretrainOptions } from './pretrain-options.js';
import { buildVocabulary } from './vocabulary.js';

export interface PretrainSetup {
  readonly options: ResolvedPretrainOptions;
  readonly model: LoadedModel;
  readonly ids: MlmSpecialIds;
  readonly params: ParameterSet;
  readonly shapes: Map<string, number[]>;
  readonly train: PackedSequence[];
  readonly val: PackedSequence[];
  readonly texts: number;
  readonly tokens: number;
  readonly fingerprint: string;
  /** Whether the masked-LM head came from the checkpoint (false: freshly initialised). */
  readonly headLoaded: boolean;
  readonly newVocabulary: boolean;
}

/** A small BERT for a model started from scratch without a template (BERT-mini-like sizes). */
export const SCRATCH_CONFIG: Partial<BertConfigJson> = { hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, max_position_embeddings: 512 };

export async function preparePretrain(
  o: ResolvedPretrainOptions,
  from: { modelDir?: string },
  download: DownloadOptions,
  onMessage: (m: string) => void = () => {},
): Promise<PretrainSetup> {
  const texts = await readCorpus(o.files, { unit: o.unit, csvColumn: o.column });
  const newVocabulary = !from.modelDir && o.newVocab !== undefined;
  const model = from.modelDir ? await loadModelFolder(from.modelDir) : newVocabulary ? await scratchModel(o, texts, download, onMessage) : await loadModel(await resolveModelSource(o.model!, download));
  const ids = mlmSpecialIds(model.tokenizer, model.dir);

  const saved = newVocabulary ? undefined : selectMlmHead(await readMlmHead(model.dir, model.config), model.config);
  const head = saved ?? initMlmHead(model.config, o.seed + 7);
  const shapes = new Map<string, number[]>();
  const tensors = new Map<string, Float32Array>();
  // Copies: the optimizer updates these in place, and loaded arrays may be views of a file buffer.
  for (const [n, t] of [...model.backbone, ...head]) {
    shapes.set(n, [...t.shape]);
    tensors.set(n, Float32Array.from(t.data));
  }

  const maxLength = Math.min(o.maxLength, maxSequenceLength(model.config));
  const sequences = packSequences(texts, model.tokenizer, ids, { maxLength, pack: o.pack });
  const { train, val } = splitSequences(sequences, o.valSplit, o.seed);
  return {
    options: o, model, ids, params: new ParameterSet(tensors), shapes, train, val,
    texts: texts.length, tokens: sequences.reduce((a, s) => a + s.ids.length, 0),
    fingerprint: fingerprintOf(sequences), headLoaded: saved !== undefined, newVocabulary,
  };
}

async function readMlmHead(dir: string, config: EncoderConfig): Promise<Map<string, Tensor>> {
  const { tensors } = await readSafetensors(join(dir, 'model.safetensors'), { filter: (n) => isMlmHeadName(config, n) });
  return new Map(tensors);
}

/**
 * A template model's sizes in BertConfig's names: a BERT config as it is (its other fields
 * carried over), any other architecture's read through its own field names.
 */
async function templateSizes(model: string, download: DownloadOptions): Promise<Partial<BertConfigJson>> {
  const { config, raw } = await readModelConfig((await resolveModelSource(model, download)).backboneDir);
  if (config.modelType === 'bert') return raw as Partial<BertConfigJson>;
  return {
    hidden_size: config.hiddenSize, num_hidden_layers: config.numLayers, num_attention_heads: config.numHeads,
    intermediate_size: config.intermediateSize, max_position_embeddings: maxSequenceLength(config), layer_norm_eps: config.layerNormEps,
    hidden_dropout_prob: config.hiddenDropout, attention_probs_dropout_prob: config.attentionDropout,
  };
}

/**
 * A new WordPiece vocabulary from the corpus, and fresh weights of the template's sizes: a BERT
 * whatever the template's architecture, since the vocabulary is WordPiece.
 */
async function scratchModel(o: ResolvedPretrainOptions, texts: readonly CorpusText[], download: DownloadOptions, onMessage: (m: string) => void): Promise<LoadedModel> {
  const template = o.model ? await templateSizes(o.model, download) : SCRATCH_CONFIG;
  onMessage(`building a ${o.newVocab}-entry WordPiece vocabulary from ${texts.length} texts`);
  const vocab = buildVocabulary(texts.map((t) => t.text), { vocabSize: o.newVocab!, lowercase: o.lowercase });
  const dir = join(o.out, 'initial');
  const { vocab_size: _ignored, architectures: _a, ...sizes } = { ...template, ...o.config };
  await generateModelFolder(dir, { vocab, seed: o.seed, lowercase: o.lowercase, config: { ...sizes, max_position_embeddings: Math.max(sizes.max_position_embeddings ?? 512, o.maxLength) } });
  return loadModelFolder(dir);
}

/** A seeded share of the sequences for validation; both parts keep corpus order. */
export function splitSequences(seqs: readonly PackedSequence[], valSplit: number, seed: number): { train: PackedSequence[]; val: PackedSequence[] } {
  if (valSplit <= 0 || seqs.length < 2) return { train: [...seqs], val: [] };
  const n = Math.min(seqs.length - 1, Math.max(1, Math.round(seqs.length * valSplit)));
  const order = new Rng(seed ^ 0x5bd1e995).shuffle(Array.from({ length: seqs.length }, (_, i) => i));
  const isVal = new Set(order.slice(0, n));
  return { train: seqs.filter((_, i) => !isVal.has(i)), val: seqs.filter((_, i) => isVal.has(i)) };
}

function fingerprintOf(seqs: readonly PackedSequence[]): string {
  const h = createHash('sha256');
  for (const s of seqs) h.update(new Uint8Array(s.ids.buffer, s.ids.byteOffset, s.ids.byteLength));
  return h.digest('hex').slice(0, 32);
}
