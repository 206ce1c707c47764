/**
 * Checkpoint folders. A full checkpoint is a Hugging Face folder of the backbone's own class
 * (BertModel, RobertaModel, XLMRobertaModel, DistilBertModel, MPNetModel: Python's
 * `from_pretrained` and `SentenceTransformer` load it) plus our task heads; a heads-only
 * checkpoint holds just the heads and names the backbone it belongs to.
 *
 *   config.json            the architecture's config as transformers writes it for its model class
 *   model.safetensors      that class's state dict, un-prefixed names, metadata {"format":"pt"},
 *                          F32 unless the source's dtype (F16/BF16) is asked for
 *   tokenizer files        copied from the base model
 *   modules.json, sentence_bert_config.json, 1_Pooling/config.json   sentence-transformers
 *   tasks.json, heads.safetensors                                     our task heads
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { architectureOf } from '../model/architectures.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import type { Pooling } from '../model/pooling.js';
import type { TasksFile } from '../model/tasks-file.js';
import { writeHeads } from '../model/tasks-file.js';
import type { Tensor } from '../model/tensor.js';
import { TOKENIZER_FILES } from '../model/tokenizer-files.js';
import { hasModelWeights, WEIGHTS_FILE } from './model-weights.js';
import { type SafetensorsFloatDtype, writeSafetensors } from './safetensors.js';

const TORCH_DTYPE: Record<SafetensorsFloatDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** config.json with the fields and values transformers' save_pretrained writes for the backbone's class. */
export function huggingFaceConfig(c: EncoderConfig, raw: Record<string, unknown> = {}, dtype: SafetensorsFloatDtype = 'F32'): Record<string, unknown> {
  return { ...architectureOf(c).configJson(c, raw), torch_dtype: TORCH_DTYPE[dtype] };
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
  readonly config: EncoderConfig;
  readonly rawConfig?: Record<string, unknown>;
  /** Backbone tensors by un-prefixed HF name; extra tensors (the pooler) pass through. */
  readonly backbone: ReadonlyMap<string, Tensor>;
  readonly heads: ReadonlyMap<string, Tensor>;
  readonly tasks: Omit<TasksFile, 'format'>;
  /** Folder to copy tokenizer files from. */
  readonly tokenizerDir: string;
  readonly sentenceTransformers: Omit<SentenceTransformersInfo, 'hidden'>;
  /** Stored dtype of model.safetensors (default F32); the heads always stay F32. */
  readonly dtype?: SafetensorsFloatDtype;
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
    await writeJson(join(tmp, 'config.json'), huggingFaceConfig(ck.config, ck.rawConfig, ck.dtype));
    const tensors = [...ck.backbone].map(([n, t]) => [n, { shape: [...t.shape], data: t.data }] as [string, { shape: number[]; data: Float32Array }]);
    await writeSafetensors(join(tmp, WEIGHTS_FILE), tensors, { format: 'pt' }, { dtype: ck.dtype });
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
  return existsSync(join(dir, 'tasks.json')) && !hasModelWeights(dir);
}

export async function readJsonFile(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}
