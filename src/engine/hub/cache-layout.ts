/**
 * The cache layout huggingface_hub uses, so Python `huggingface_hub`/`transformers` and this
 * extension share the same files:
 *
 *   $HF_HUB_CACHE/models--org--name/
 *     blobs/<etag>                      the bytes (sha256 for LFS files, git sha1 otherwise)
 *     refs/<revision>                   the commit a branch or tag pointed at when last fetched
 *     snapshots/<commit>/<file>         relative symlink to ../../blobs/<etag>
 *     .no_exist/<commit>/<file>         marker: the repo has no such file at that commit
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

import { SentenceLensError } from '../errors.js';
import { TOKENIZER_FILES } from '../model/tokenizer-files.js';
import { readWeightIndex } from '../weights/model-weights.js';
import type { HubContext, ModelLocation } from './types.js';

export const REQUIRED_FILES = ['config.json', 'model.safetensors'] as const;
/** Large models come as shards that this index lists instead of one model.safetensors. */
export const WEIGHTS_INDEX = 'model.safetensors.index.json';
export const SENTENCE_TRANSFORMERS_FILES = ['modules.json', 'sentence_bert_config.json', '1_Pooling/config.json'] as const;
export const WANTED_FILES: readonly string[] = [...REQUIRED_FILES, WEIGHTS_INDEX, ...TOKENIZER_FILES, ...SENTENCE_TRANSFORMERS_FILES];

export const COMMIT_RE = /^[0-9a-f]{40}$/;

export function snapshotDir(ctx: HubContext, commit: string): string {
  return join(ctx.repoDir, 'snapshots', commit);
}

export function noExistDir(ctx: HubContext, commit: string): string {
  return join(ctx.repoDir, '.no_exist', commit);
}

export function blobPath(ctx: HubContext, etag: string): string {
  return join(ctx.repoDir, 'blobs', etag);
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile(); // follows the symlink, so a dangling one counts as absent
  } catch {
    return false;
  }
}

/** Wanted files present in `dir`, and the shards its weights index lists that are present too. */
export async function presentFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of WANTED_FILES) if (await isFile(join(dir, f))) out.push(f);
  if (out.includes(WEIGHTS_INDEX)) {
    for (const shard of await shardFiles(dir)) if (await isFile(join(dir, shard))) out.push(shard);
  }
  return out;
}

/** The distinct shard files `model.safetensors.index.json` in `dir` names, sorted. */
export async function shardFiles(dir: string): Promise<string[]> {
  return [...new Set((await readWeightIndex(join(dir, WEIGHTS_INDEX))).values())].sort();
}

/** Whether the snapshot has weights: one file, or an index with every shard it lists. */
async function hasWeights(snapshot: string, present: readonly string[]): Promise<boolean> {
  if (present.includes('model.safetensors')) return true;
  if (!present.includes(WEIGHTS_INDEX)) return false;
  return (await shardFiles(snapshot)).every((f) => present.includes(f));
}

/** Wanted files neither in the snapshot nor known absent at that commit. */
export async function filesToFetch(ctx: HubContext, commit: string): Promise<string[]> {
  const snapshot = snapshotDir(ctx, commit);
  const noExist = noExistDir(ctx, commit);
  const todo: string[] = [];
  for (const f of WANTED_FILES) {
    if ((await isFile(join(snapshot, f))) || existsSync(join(noExist, f))) continue;
    todo.push(f);
  }
  return todo;
}

export function unsupportedBin(modelId: string): SentenceLensError {
  return new SentenceLensError(
    'UNSUPPORTED',
    `${modelId} ships only pytorch_model.bin; Sentence Lens reads weights only from model.safetensors ` +
      `(a pickle file can run code when loaded). Convert it once with Python and use the folder: ` +
      `python -c "from transformers import AutoModel, AutoTokenizer; AutoModel.from_pretrained('${modelId}').save_pretrained('DIR', safe_serialization=True); AutoTokenizer.from_pretrained('${modelId}').save_pretrained('DIR')" ` +
      `then set the model setting to DIR.`,
  );
}

/** The cached snapshot for the context's revision, or why there is no usable one. */
export async function loadFromCache(ctx: HubContext): Promise<{ location?: ModelLocation; why: string }> {
  const { repoDir, revision, modelId } = ctx;
  let commit: string;
  if (COMMIT_RE.test(revision)) {
    commit = revision;
  } else {
    try {
      commit = (await readFile(join(repoDir, 'refs', revision), 'utf8')).trim();
    } catch {
      return { why: `${modelId} (revision ${revision}) is not in the cache at ${ctx.settings.cacheDir}` };
    }
  }
  const snapshot = snapshotDir(ctx, commit);
  const present = await presentFiles(snapshot);
  if (!present.includes('config.json') || !(await hasWeights(snapshot, present))) {
    if (present.includes('config.json') && (await isFile(join(snapshot, 'pytorch_model.bin')))) throw unsupportedBin(modelId);
    return { why: `the cached snapshot ${snapshot} is incomplete (needs config.json and model.safetensors, or its shards)` };
  }
  if (!present.includes('tokenizer.json') && !present.includes('vocab.txt')) {
    return { why: `the cached snapshot ${snapshot} has no tokenizer.json or vocab.txt` };
  }
  return { location: { dir: snapshot, modelId, revision, commit, files: present }, why: '' };
}

export async function markMissing(noExist: string, file: string): Promise<void> {
  const p = join(noExist, file);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, '');
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Points `refs/<revision>` at `commit`, leaving the file alone when it already does. */
export async function updateRef(ctx: HubContext, revision: string, commit: string): Promise<void> {
  const ref = join(ctx.repoDir, 'refs', revision);
  await mkdir(dirname(ref), { recursive: true });
  const old = await readFile(ref, 'utf8').catch(() => '');
  if (old.trim() !== commit) await writeAtomic(ref, commit);
}

export async function linkIntoSnapshot(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  await rm(pointer, { force: true });
  // Relative, so the cache survives being moved or copied to another machine.
  const target = relative(dirname(pointer), blob);
  try {
    await symlink(target, pointer, 'file');
  } catch {
    // Windows without developer mode cannot symlink; huggingface_hub copies then, and so do we.
    await copyFile(blob, pointer);
  }
}
