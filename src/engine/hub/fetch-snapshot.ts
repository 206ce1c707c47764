/**
 * One download run: resolve the revision to a commit, fetch what the snapshot lacks, move the
 * ref. Falls back to the cache when offline, as huggingface_hub does.
 */
import { join } from 'node:path';

import { SentenceLensError } from '../errors.js';
import {
  COMMIT_RE,
  blobPath,
  filesToFetch,
  isFile,
  linkIntoSnapshot,
  loadFromCache,
  markMissing,
  noExistDir,
  presentFiles,
  shardFiles,
  snapshotDir,
  unsupportedBin,
  updateRef,
  WEIGHTS_INDEX,
} from './cache-layout.js';
import { head, resolveUrl, type FileMeta, type HeadResult } from './http.js';
import { repoFolderName, type HubSettings } from './settings.js';
import { fetchBlob } from './transfer.js';
import type { DownloadProgress, HubContext, ModelLocation } from './types.js';

export async function fetchSnapshot(
  modelId: string,
  revision: string,
  settings: HubSettings,
  signal: AbortSignal,
  progress: (e: DownloadProgress) => void,
): Promise<ModelLocation> {
  const ctx: HubContext = { modelId, revision, settings, signal, progress, repoDir: join(settings.cacheDir, repoFolderName(modelId)) };

  if (settings.offline) {
    const cached = await loadFromCache(ctx);
    if (cached.location) return cached.location;
    throw offlineError(ctx, `HF_HUB_OFFLINE is set and ${cached.why}`);
  }

  // A commit's snapshot never changes, so a complete one needs no request at all.
  if (COMMIT_RE.test(revision) && (await filesToFetch(ctx, revision)).length === 0) {
    const cached = await loadFromCache(ctx);
    if (cached.location) return cached.location;
  }

  let first: HeadResult;
  try {
    first = await head(ctx, revision, 'config.json');
  } catch (err) {
    if (err instanceof SentenceLensError && err.code === 'NETWORK') {
      // Like huggingface_hub: an unreachable hub is not an error when the cache can answer.
      const cached = await loadFromCache(ctx);
      if (cached.location) return cached.location;
      throw offlineError(ctx, `${err.message}, and ${cached.why}`, err);
    }
    throw err;
  }
  if (first.kind === 'missing') {
    throw new SentenceLensError('MISSING_FILE', `${modelId} has no config.json at revision ${revision}; it is not a transformers model`);
  }
  const commit = first.meta.commit;
  // Fetch the commit we just resolved, not whatever the branch points at a moment later.
  first.meta.downloadUrl = resolveUrl(ctx, commit, 'config.json');
  const snapshot = snapshotDir(ctx, commit);
  const noExist = noExistDir(ctx, commit);

  // A snapshot is immutable, so files already in it (or known absent at that commit) need no request.
  const todo = (await filesToFetch(ctx, commit)).filter((f) => f !== 'config.json');
  const heads = await Promise.all(todo.map(async (f) => [f, await head(ctx, commit, f)] as const));
  const metas = new Map<string, FileMeta>([['config.json', first.meta]]);
  for (const [f, h] of heads) {
    if (h.kind === 'ok') metas.set(f, h.meta);
    else await markMissing(noExist, f);
  }

  const has = async (f: string): Promise<boolean> => metas.has(f) || (await isFile(join(snapshot, f)));
  if (!(await has('model.safetensors'))) {
    if (!(await has(WEIGHTS_INDEX))) {
      const bin = await head(ctx, commit, 'pytorch_model.bin');
      if (bin.kind === 'ok') throw unsupportedBin(modelId);
      throw new SentenceLensError('MISSING_FILE', `${modelId} (commit ${commit}) has no model.safetensors (nor a model.safetensors.index.json of shards); Sentence Lens needs weights in safetensors format`);
    }
    for (const [shard, meta] of await shardMetas(ctx, commit, metas.get(WEIGHTS_INDEX))) metas.set(shard, meta);
  }
  if (!(await has('tokenizer.json')) && !(await has('vocab.txt'))) {
    throw new SentenceLensError('MISSING_FILE', `${modelId} (commit ${commit}) has neither tokenizer.json nor vocab.txt, so its text cannot be tokenized`);
  }

  // Small files first: a problem with them shows before minutes go into the weights.
  const order = [...metas.keys()].sort((a, b) => (metas.get(a)!.size ?? 0) - (metas.get(b)!.size ?? 0));
  for (const f of order) {
    if (await isFile(join(snapshot, f))) continue;
    const meta = metas.get(f)!;
    await fetchBlob(ctx, f, meta);
    await linkIntoSnapshot(blobPath(ctx, meta.etag), join(snapshot, f));
  }

  // The ref moves last: until every file is in, offline use keeps the previous complete snapshot.
  if (revision !== commit) await updateRef(ctx, revision, commit);
  return { dir: snapshot, modelId, revision, commit, files: await presentFiles(snapshot) };
}

/**
 * The shards a sharded checkpoint's index lists that the snapshot lacks, with their metadata.
 * The index (small) is fetched first, when `indexMeta` says it is not in the snapshot yet.
 */
async function shardMetas(ctx: HubContext, commit: string, indexMeta: FileMeta | undefined): Promise<[string, FileMeta][]> {
  const snapshot = snapshotDir(ctx, commit);
  if (indexMeta) {
    await fetchBlob(ctx, WEIGHTS_INDEX, indexMeta);
    await linkIntoSnapshot(blobPath(ctx, indexMeta.etag), join(snapshot, WEIGHTS_INDEX));
  }
  const missing: string[] = [];
  for (const shard of await shardFiles(snapshot)) if (!(await isFile(join(snapshot, shard)))) missing.push(shard);
  return Promise.all(missing.map(async (shard): Promise<[string, FileMeta]> => {
    const h = await head(ctx, commit, shard);
    if (h.kind !== 'ok') {
      throw new SentenceLensError('MISSING_FILE', `${ctx.modelId} (commit ${commit}): ${WEIGHTS_INDEX} lists ${shard}, which the repository does not have`);
    }
    return [shard, h.meta];
  }));
}

function offlineError(ctx: HubContext, why: string, cause?: unknown): SentenceLensError {
  const { modelId, settings } = ctx;
  return new SentenceLensError(
    'OFFLINE',
    `Cannot download ${modelId}: ${why}. To fix: connect to the network once (and unset HF_HUB_OFFLINE) so it is cached; ` +
      `or set the model setting (sentenceLens.model) to a local folder holding config.json, tokenizer.json and model.safetensors; ` +
      `or on a connected machine run \`sentence-lens download ${modelId}\` (or Python's \`huggingface-cli download ${modelId}\`) ` +
      `and copy its ${repoFolderName(modelId)} folder into ${settings.cacheDir}.`,
    cause === undefined ? undefined : { cause },
  );
}
