/**
 * Checkpoint folders. A full checkpoint is a Hugging Face BertModel folder (Python's
 * `BertModel.from_pretrained` and `SentenceTransformer` load it) plus our task heads; a
 * heads-only checkpoint holds just the heads and names the backbone it belongs to.
 *
 *   config.json            BertConfig as transformers writes it for BertModel
 *   model.safetensors      BertModel state dict, un-prefixed names, metadata {"format":"pt"}
 *   tokenizer files        copied from the base model
 *   modules.json, sentence_bert_config.json, 1_Pooling/config.json   sentence-transformers
 *   tasks.json, heads.safetensors                                     our task heads
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '../model/bert-weights.js';
import type { BertConfig } from '../model/config.js';
import type { Pooling } from '../model/pooling.js';
import type { TasksFile } from '../model/tasks-file.js';
import { writeHeads } from '../model/tasks-file.js';
import { writeSafetensors } from './safetensors.js';

export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json'];

/** config.json with the fields and values transformers' BertConfig.save_pretrained writes. */
export function huggingFaceBertConfig(c: BertConfig, raw: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...raw,
    architectures: ['BertModel'],
    attention_probs_dropout_prob: c.attentionDropout,
    classifier_dropout: raw['classifier_dropout'] ?? null,
    hidden_act: 'gelu',
    hidden_dropout_prob: c.hiddenDropout,
    hidden_size: c.hiddenSize,
    initializer_range: raw['initializer_range'] ?? 0.02,
    intermediate_size: c.intermediateSize,
    layer_norm_eps: c.layerNormEps,
    max_position_embeddings: c.maxPositions,
    model_type: 'bert',
    num_attention_heads: c.numHeads,
    num_hidden_layers: c.numLayers,
    pad_token_id: c.padTokenId,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    type_vocab_size: c.typeVocabSize,
    use_cache: raw['use_cache'] ?? true,
    vocab_size: c.vocabSize,
  };
}

export interface SentenceTransformersInfo {
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly maxLength: number;
  readonly hidden: number;
  readonly lowercase: boolean;
}

/** modules.json, sentence_bert_config.json and 1_Pooling/config.json, as sentence-transformers saves them. */
export function sentenceTransformersFiles(info: SentenceTransformersInfo): Record<string, unknown> {
  const modules: object[] = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  if (info.normalize) modules.push({ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' });
  return {
    'modules.json': modules,
    'sentence_bert_config.json': { max_seq_length: info.maxLength, do_lower_case: false },
    '1_Pooling/config.json': {
      word_embedding_dimension: info.hidden,
      pooling_mode_cls_token: info.pooling === 'cls',
      pooling_mode_mean_tokens: info.pooling === 'mean',
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
      pooling_mode_weightedmean_tokens: false,
      pooling_mode_lasttoken: false,
      include_prompt: true,
    },
  };
}

export interface FullCheckpoint {
  readonly config: BertConfig;
  readonly rawConfig?: Record<string, unknown>;
  /** Backbone tensors by un-prefixed HF name; extra tensors (the pooler) pass through. */
  readonly backbone: ReadonlyMap<string, Tensor>;
  readonly heads: ReadonlyMap<string, Tensor>;
  readonly tasks: Omit<TasksFile, 'format'>;
  /** Folder to copy tokenizer files from. */
  readonly tokenizerDir: string;
  readonly sentenceTransformers: Omit<SentenceTransformersInfo, 'hidden'>;
}

export interface HeadsOnlyCheckpoint {
  readonly heads: ReadonlyMap<string, Tensor>;
  readonly tasks: Omit<TasksFile, 'format'> & { readonly base: NonNullable<TasksFile['base']> };
}

/**
 * Writes into a sibling temp folder, then swaps it in, so a crash never leaves a
 * half-written checkpoint where a good one was.
 */
export async function atomicFolder(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    const old = `${tmp}.old`;
    if (existsSync(dir)) await rename(dir, old);
    await rename(tmp, dir);
    await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}

export async function saveFullCheckpoint(dir: string, ck: FullCheckpoint, extra?: (tmp: string) => Promise<void>): Promise<void> {
  await atomicFolder(dir, async (tmp) => {
    await writeJson(join(tmp, 'config.json'), huggingFaceBertConfig(ck.config, ck.rawConfig));
    const tensors = [...ck.backbone].map(([n, t]) => [n, { shape: [...t.shape], data: t.data }] as [string, { shape: number[]; data: Float32Array }]);
    await writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
    for (const f of TOKENIZER_FILES) {
      if (existsSync(join(ck.tokenizerDir, f))) await copyFile(join(ck.tokenizerDir, f), join(tmp, f));
    }
    const st = sentenceTransformersFiles({ ...ck.sentenceTransformers, hidden: ck.config.hiddenSize });
    for (const [name, value] of Object.entries(st)) await writeJson(join(tmp, name), value);
    if (ck.sentenceTransformers.normalize) await mkdir(join(tmp, '2_Normalize'), { recursive: true });
    await writeHeads(tmp, ck.tasks, ck.heads);
    await extra?.(tmp);
  });
}

export async function saveHeadsOnlyCheckpoint(dir: string, ck: HeadsOnlyCheckpoint, extra?: (tmp: string) => Promise<void>): Promise<void> {
  await atomicFolder(dir, async (tmp) => {
    await writeHeads(tmp, ck.tasks, ck.heads);
    await extra?.(tmp);
  });
}

export function isHeadsOnlyCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'tasks.json')) && !existsSync(join(dir, 'model.safetensors'));
}

export async function readJsonFile(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}
