/**
 * Model download from the Hugging Face hub into the standard cache layout, so Python
 * `huggingface_hub`/`transformers` and this extension share the same files:
 *
 *   $HF_HUB_CACHE/models--org--name/
 *     blobs/<etag>                      the bytes (sha256 for LFS files, git sha1 otherwise)
 *     refs/<revision>                   the commit a branch or tag pointed at when last fetched
 *     snapshots/<commit>/<file>         relative symlink to ../../blobs/<etag>
 *     .no_exist/<commit>/<file>         marker: the repo has no such file at that commit
 *
 * Why not `@huggingface/hub` (2.17.5, in node_modules): its `downloadFileToCacheDir` asks the
 * `paths-info` API instead of HEAD /resolve, buffers each file as a Blob, and has no progress,
 * no Range resume from `.incomplete`, no sha256 check, no offline fallback, no AbortSignal, and
 * reads its settings from `process.env` only. What it would save us (folder naming, a symlink
 * helper) is a few lines, so the requests below are written directly on Node's `fetch`, and
 * they are the ones `huggingface_hub` makes: HEAD without following absolute redirects to read
 * X-Repo-Commit / ETag / X-Linked-Etag / X-Linked-Size / Location, then GET the file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { SentenceLensError } from './errors.js';

export interface DownloadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface DownloadOptions {
  /** Branch, tag or commit sha. Default `main`. */
  revision?: string;
  onProgress?: (e: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Where HF_* settings are read from; defaults to `process.env` (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export interface ModelLocation {
  /** A folder holding config.json, the tokenizer files and model.safetensors. */
  dir: string;
  modelId: string;
  /** '' for a local folder. */
  revision: string;
  /** '' for a local folder. */
  commit: string;
  /** Files present in `dir`, relative, with `/` separators. */
  files: string[];
}

export interface HubSettings {
  endpoint: string;
  /** The `hub` folder itself (the one holding `models--…`). */
  cacheDir: string;
  offline: boolean;
  token: string | undefined;
}

export const REQUIRED_FILES = ['config.json', 'model.safetensors'] as const;
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json'] as const;
export const SENTENCE_TRANSFORMERS_FILES = ['modules.json', 'sentence_bert_config.json', '1_Pooling/config.json'] as const;
const WANTED_FILES: readonly string[] = [...REQUIRED_FILES, ...TOKENIZER_FILES, ...SENTENCE_TRANSFORMERS_FILES];

const DEFAULT_ENDPOINT = 'https://huggingface.co';
const COMMIT_RE = /^[0-9a-f]{40}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;
// The same shape huggingface_hub's validate_repo_id accepts.
const REPO_ID_RE = /^(?:[\w\-.]+\/)?[\w\-.]{1,96}$/;
/** huggingface_hub's etag_timeout: a HEAD that takes longer than this counts as offline. */
const HEAD_TIMEOUT_MS = 10_000;
/** Mid-transfer drops retried with Range within one call (huggingface_hub retries 5 times). */
const TRANSFER_RETRIES = 2;
const RETRY_PAUSE_MS = 250;
const PROGRESS_INTERVAL_MS = 100;
const USER_AGENT = 'sentence-lens/0.1 (huggingface_hub-compatible)';

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? join(homedir(), p.slice(1)) : p;
}

function hfHome(env: NodeJS.ProcessEnv): string {
  return expandHome(env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface'));
}

/** Resolves the HF_* environment the way huggingface_hub does, including its legacy names. */
export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const cacheDir = expandHome(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(env), 'hub'));
  const endpoint = (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  if (!token) {
    // `huggingface-cli login` stores the token here; reading it lets a Python login serve us too.
    const tokenPath = expandHome(env.HF_TOKEN_PATH ?? join(hfHome(env), 'token'));
    try {
      // Sync on purpose: a few bytes, read once per download.
      token = readFileSync(tokenPath, 'utf8').trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  return { endpoint, cacheDir: resolve(cacheDir), offline: truthy(env.HF_HUB_OFFLINE), token };
}

/** `models--org--name`, the folder name huggingface_hub uses. */
export function repoFolderName(modelId: string): string {
  return ['models', ...modelId.split('/')].join('--');
}

export function modelCacheDir(modelId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(hubSettings(env).cacheDir, repoFolderName(modelId));
}

/**
 * True when `s` names a folder rather than a hub id: it exists as a directory, or it cannot be
 * an id (absolute, `./`, `../`, `~`, a backslash, more than one `/`).
 */
export function isLocalModelPath(s: string): boolean {
  if (!s) return false;
  if (looksLikePath(s)) return true;
  try {
    return statSync(s).isDirectory();
  } catch {
    return false;
  }
}

function looksLikePath(s: string): boolean {
  return (
    isAbsolute(s) ||
    s.startsWith('.') ||
    s.startsWith('~') ||
    s.includes('\\') ||
    s.split('/').length > 2 ||
    /^[A-Za-z]:/.test(s)
  );
}

function validateModelId(modelId: string): void {
  if (!REPO_ID_RE.test(modelId) || modelId.includes('--') || modelId.includes('..')) {
    throw new SentenceLensError(
      'BAD_ARGUMENT',
      `"${modelId}" is not a Hugging Face model id (expected "org/name", e.g. "sentence-transformers/all-MiniLM-L6-v2") nor an existing folder`,
    );
  }
}

function validateRevision(revision: string): void {
  // The revision becomes a path under refs/, so it must not climb out of it.
  const parts = revision.split('/');
  if (!revision || isAbsolute(revision) || revision.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new SentenceLensError('BAD_ARGUMENT', `"${revision}" is not a valid revision (a branch, tag or commit sha)`);
  }
}

/**
 * A local folder as-is (commit ''), otherwise a hub id downloaded into (or loaded from) the cache.
 */
export async function resolveModel(idOrPath: string, opts: DownloadOptions = {}): Promise<ModelLocation> {
  if (isLocalModelPath(idOrPath)) {
    const dir = resolve(expandHome(idOrPath));
    let st;
    try {
      st = await stat(dir);
    } catch {
      throw new SentenceLensError('MISSING_FILE', `model folder ${dir} does not exist`);
    }
    if (!st.isDirectory()) {
      throw new SentenceLensError('MISSING_FILE', `${dir} is not a folder (a model is a folder with config.json, tokenizer files and model.safetensors)`);
    }
    return { dir, modelId: idOrPath, revision: '', commit: '', files: await presentFiles(dir) };
  }
  return downloadModel(idOrPath, opts);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile(); // follows the symlink, so a dangling one counts as absent
  } catch {
    return false;
  }
}

async function presentFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of WANTED_FILES) if (await isFile(join(dir, f))) out.push(f);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sharing: one download per (cache, id, revision) in this process, whoever asks.

interface Inflight {
  promise: Promise<ModelLocation>;
  controller: AbortController;
  listeners: Set<(e: DownloadProgress) => void>;
  users: number;
}

const inflight = new Map<string, Inflight>();
/** Per blob path, so two revisions sharing a blob do not write one `.incomplete` together. */
const blobsInflight = new Map<string, Promise<void>>();

export async function downloadModel(modelId: string, opts: DownloadOptions = {}): Promise<ModelLocation> {
  const settings = hubSettings(opts.env ?? process.env);
  const revision = opts.revision ?? 'main';
  validateModelId(modelId);
  validateRevision(revision);
  throwIfAborted(opts.signal);

  // The endpoint is part of the key so a test hub and the real one never answer for each other.
  const key = JSON.stringify([settings.cacheDir, settings.endpoint, modelId, revision]);
  let entry = inflight.get(key);
  while (entry?.controller.signal.aborted) {
    // Everyone left the previous run; let it release its files before starting over.
    await entry.promise.catch(() => undefined);
    entry = inflight.get(key);
  }
  throwIfAborted(opts.signal);
  if (!entry) {
    const controller = new AbortController();
    const listeners = new Set<(e: DownloadProgress) => void>();
    const created: Inflight = {
      controller,
      listeners,
      users: 0,
      promise: run(modelId, revision, settings, controller.signal, (e) => {
        for (const l of listeners) {
          try {
            l(e);
          } catch {
            // A listener's bug must not break a download that others share.
          }
        }
      }).finally(() => {
        if (inflight.get(key) === created) inflight.delete(key);
      }),
    };
    created.promise.catch(() => undefined); // rejections are delivered to each caller below
    inflight.set(key, created);
    entry = created;
  }
  return attach(entry, opts);
}

function attach(entry: Inflight, opts: DownloadOptions): Promise<ModelLocation> {
  const { signal, onProgress } = opts;
  entry.users += 1;
  if (onProgress) entry.listeners.add(onProgress);
  return new Promise<ModelLocation>((resolvePromise, reject) => {
    let done = false;
    const leave = (): void => {
      if (done) return;
      done = true;
      entry.users -= 1;
      if (onProgress) entry.listeners.delete(onProgress);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      if (done) return;
      leave();
      // The transfer stops only when nobody is waiting for it any more.
      if (entry.users === 0) entry.controller.abort();
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    entry.promise.then(
      (v) => {
        if (done) return;
        leave();
        resolvePromise(v);
      },
      (e: unknown) => {
        if (done) return;
        leave();
        reject(e);
      },
    );
  });
}

function cancelled(): SentenceLensError {
  return new SentenceLensError('CANCELLED', 'model download cancelled');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

// ---------------------------------------------------------------------------------------------
// One run.

interface FileMeta {
  commit: string;
  /** Blob name: sha256 for LFS files, the git object id otherwise. */
  etag: string;
  lfs: boolean;
  size: number | undefined;
  /**
   * Where to GET: the resolve URL at the commit. Not the HEAD's Location: a CDN link is signed
   * and may expire while earlier files download; asking the hub again gets a fresh one.
   */
  downloadUrl: string;
}

type HeadResult = { kind: 'ok'; meta: FileMeta } | { kind: 'missing'; commit: string | undefined };

interface Ctx {
  modelId: string;
  revision: string;
  settings: HubSettings;
  signal: AbortSignal;
  progress: (e: DownloadProgress) => void;
  repoDir: string;
}

async function run(
  modelId: string,
  revision: string,
  settings: HubSettings,
  signal: AbortSignal,
  progress: (e: DownloadProgress) => void,
): Promise<ModelLocation> {
  const ctx: Ctx = { modelId, revision, settings, signal, progress, repoDir: join(settings.cacheDir, repoFolderName(modelId)) };

  if (settings.offline) {
    const cached = await loadFromCache(ctx);
    if (cached.location) return cached.location;
    throw offlineError(ctx, `HF_HUB_OFFLINE is set and ${cached.why}`);
  }

  if (COMMIT_RE.test(revision)) {
    // A commit's snapshot never changes, so a complete one needs no request at all.
    const snapshot = join(ctx.repoDir, 'snapshots', revision);
    const noExist = join(ctx.repoDir, '.no_exist', revision);
    let complete = true;
    for (const f of WANTED_FILES) {
      if (!(await isFile(join(snapshot, f))) && !existsSync(join(noExist, f))) complete = false;
    }
    if (complete) {
      const cached = await loadFromCache(ctx);
      if (cached.location) return cached.location;
    }
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
  const snapshot = join(ctx.repoDir, 'snapshots', commit);
  const noExist = join(ctx.repoDir, '.no_exist', commit);

  // A snapshot is immutable, so files already in it (or known absent at that commit) need no request.
  const todo: string[] = [];
  for (const f of WANTED_FILES) {
    if (f === 'config.json') continue;
    if ((await isFile(join(snapshot, f))) || existsSync(join(noExist, f))) continue;
    todo.push(f);
  }
  const heads = await Promise.all(todo.map(async (f) => [f, await head(ctx, commit, f)] as const));
  const metas = new Map<string, FileMeta>([['config.json', first.meta]]);
  for (const [f, h] of heads) {
    if (h.kind === 'ok') metas.set(f, h.meta);
    else await markMissing(noExist, f);
  }

  const has = async (f: string): Promise<boolean> => metas.has(f) || (await isFile(join(snapshot, f)));
  if (!(await has('model.safetensors'))) {
    const bin = await head(ctx, commit, 'pytorch_model.bin');
    if (bin.kind === 'ok') throw unsupportedBin(modelId);
    throw new SentenceLensError('MISSING_FILE', `${modelId} (commit ${commit}) has no model.safetensors; Sentence Lens needs BERT weights in safetensors format`);
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
    await linkIntoSnapshot(join(ctx.repoDir, 'blobs', meta.etag), join(snapshot, f));
  }

  // The ref moves last: until every file is in, offline use keeps the previous complete snapshot.
  if (revision !== commit) {
    const ref = join(ctx.repoDir, 'refs', revision);
    await mkdir(dirname(ref), { recursive: true });
    const old = await readFile(ref, 'utf8').catch(() => '');
    if (old.trim() !== commit) await writeAtomic(ref, commit);
  }
  return { dir: snapshot, modelId, revision, commit, files: await presentFiles(snapshot) };
}

function unsupportedBin(modelId: string): SentenceLensError {
  return new SentenceLensError(
    'UNSUPPORTED',
    `${modelId} ships only pytorch_model.bin; Sentence Lens reads weights only from model.safetensors ` +
      `(a pickle file can run code when loaded). Convert it once with Python and use the folder: ` +
      `python -c "from transformers import AutoModel, AutoTokenizer; AutoModel.from_pretrained('${modelId}').save_pretrained('DIR', safe_serialization=True); AutoTokenizer.from_pretrained('${modelId}').save_pretrained('DIR')" ` +
      `then set the model setting to DIR.`,
  );
}

function offlineError(ctx: Ctx, why: string, cause?: unknown): SentenceLensError {
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

async function loadFromCache(ctx: Ctx): Promise<{ location?: ModelLocation; why: string }> {
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
  const snapshot = join(repoDir, 'snapshots', commit);
  const present = await presentFiles(snapshot);
  if (!present.includes('config.json') || !present.includes('model.safetensors')) {
    if (present.includes('config.json') && (await isFile(join(snapshot, 'pytorch_model.bin')))) throw unsupportedBin(modelId);
    return { why: `the cached snapshot ${snapshot} is incomplete (needs config.json and model.safetensors)` };
  }
  if (!present.includes('tokenizer.json') && !present.includes('vocab.txt')) {
    return { why: `the cached snapshot ${snapshot} has no tokenizer.json or vocab.txt` };
  }
  return { location: { dir: snapshot, modelId, revision, commit, files: present }, why: '' };
}

async function markMissing(noExistDir: string, file: string): Promise<void> {
  const p = join(noExistDir, file);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, '');
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function linkIntoSnapshot(blob: string, pointer: string): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// HTTP.

function resolveUrl(ctx: Ctx, revision: string, file: string): string {
  return `${ctx.settings.endpoint}/${ctx.modelId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function headersFor(ctx: Ctx, url: string, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { 'User-Agent': USER_AGENT, 'Accept-Encoding': 'identity', ...extra };
  // Credentials go to the hub only, never to a CDN or storage host we are redirected to.
  if (ctx.settings.token && sameOrigin(url, ctx.settings.endpoint)) h.Authorization = `Bearer ${ctx.settings.token}`;
  return h;
}

function normalizeEtag(v: string | null): string | undefined {
  if (!v) return undefined;
  return v.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error) return `${err.message} (${(cause as { code?: string }).code ?? cause.message})`;
    return err.message;
  }
  return String(err);
}

function httpError(ctx: Ctx, res: Response, url: string): SentenceLensError {
  const code = res.headers.get('x-error-code');
  const { modelId, settings, revision } = ctx;
  if (res.status === 401) {
    return new SentenceLensError(
      'UNAUTHORIZED',
      settings.token
        ? `${settings.endpoint} rejected the token for ${modelId} (HTTP 401); check HF_TOKEN`
        : `${modelId} on ${settings.endpoint} is gated or private (HTTP 401): accept its terms on the model page and set HF_TOKEN to an access token`,
    );
  }
  if (res.status === 403) {
    return new SentenceLensError(
      'UNAUTHORIZED',
      `access to ${modelId} on ${settings.endpoint} denied (HTTP 403): it is gated or private; accept its terms on the model page and set HF_TOKEN to a token with read access`,
    );
  }
  if (res.status === 404 && code === 'RevisionNotFound') {
    return new SentenceLensError('NOT_FOUND', `revision "${revision}" of model ${modelId} not found on ${settings.endpoint}; check the revision`);
  }
  if (res.status === 404) {
    return new SentenceLensError('NOT_FOUND', `model ${modelId} not found on ${settings.endpoint}; check the id`);
  }
  return new SentenceLensError('NETWORK', `${settings.endpoint} answered HTTP ${res.status} for ${url}`);
}

/** fetch that turns transport failures into NETWORK and aborts into CANCELLED. */
async function request(ctx: Ctx, url: string, init: RequestInit, timeoutMs?: number): Promise<Response> {
  throwIfAborted(ctx.signal);
  const signal = timeoutMs ? AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]) : ctx.signal;
  try {
    return await fetch(url, { ...init, signal });
  } catch (err) {
    if (ctx.signal.aborted) throw cancelled();
    if (err instanceof Error && err.name === 'TimeoutError') {
      throw new SentenceLensError('NETWORK', `${new URL(url).host} did not answer within ${timeoutMs} ms`, { cause: err });
    }
    throw new SentenceLensError('NETWORK', `cannot reach ${new URL(url).host}: ${describeNetworkError(err)}`, { cause: err });
  }
}

async function head(ctx: Ctx, revision: string, file: string): Promise<HeadResult> {
  let url = resolveUrl(ctx, revision, file);
  for (let hops = 0; ; hops++) {
    const res = await request(ctx, url, { method: 'HEAD', redirect: 'manual', headers: headersFor(ctx, url) }, HEAD_TIMEOUT_MS);
    const location = res.headers.get('location');
    // Relative redirects are the hub's own (a renamed repo) and are followed, as huggingface_hub
    // does; absolute ones point at the CDN, and the headers we need are on this response.
    if (res.status >= 300 && res.status < 400 && location && !/^[a-z][a-z0-9+.-]*:/i.test(location) && hops < 5) {
      url = new URL(location, url).toString();
      continue;
    }
    const commit = res.headers.get('x-repo-commit') ?? undefined;
    if (res.status === 404 && res.headers.get('x-error-code') === 'EntryNotFound') return { kind: 'missing', commit };
    if (!(res.ok || (res.status >= 300 && res.status < 400))) throw httpError(ctx, res, url);
    if (!commit || !COMMIT_RE.test(commit)) {
      throw new SentenceLensError(
        'NETWORK',
        `${url} did not answer like a Hugging Face hub (no X-Repo-Commit header); check HF_ENDPOINT and any proxy`,
      );
    }
    const linked = normalizeEtag(res.headers.get('x-linked-etag'));
    const etag = linked ?? normalizeEtag(res.headers.get('etag'));
    if (!etag || !/^[\w.-]+$/.test(etag) || etag.includes('..')) {
      throw new SentenceLensError('NETWORK', `${url} sent no usable ETag; check HF_ENDPOINT and any proxy`);
    }
    const sizeHeader = res.headers.get('x-linked-size') ?? (res.ok ? res.headers.get('content-length') : null);
    const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
    return {
      kind: 'ok',
      meta: {
        commit,
        etag,
        lfs: linked !== undefined && SHA256_RE.test(linked),
        size,
        downloadUrl: url,
      },
    };
  }
}

/** GET with redirects followed by hand, so Authorization is sent only to the hub's origin. */
async function get(ctx: Ctx, startUrl: string, extra: Record<string, string>): Promise<Response> {
  let url = startUrl;
  for (let hops = 0; hops <= 10; hops++) {
    const res = await request(ctx, url, { method: 'GET', redirect: 'manual', headers: headersFor(ctx, url, extra) });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel().catch(() => undefined);
      url = new URL(location, url).toString();
      continue;
    }
    if (!res.ok && res.status !== 416) {
      await res.body?.cancel().catch(() => undefined);
      throw httpError(ctx, res, url);
    }
    return res;
  }
  throw new SentenceLensError('NETWORK', `too many redirects fetching ${startUrl}`);
}

/** A drop after the transfer began: what arrived is kept and worth resuming. */
class TransferInterrupted extends SentenceLensError {
  constructor(message: string, cause?: unknown) {
    super('NETWORK', message, cause === undefined ? undefined : { cause });
  }
}

async function pause(ctx: Ctx, ms: number): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: ctx.signal });
  } catch {
    throw cancelled();
  }
}

async function fetchBlob(ctx: Ctx, file: string, meta: FileMeta): Promise<void> {
  const blob = join(ctx.repoDir, 'blobs', meta.etag);
  for (;;) {
    const pending = blobsInflight.get(blob);
    if (!pending) break;
    await pending.catch(() => undefined);
  }
  if (await isFile(blob)) return;
  const p = downloadBlob(ctx, file, meta, blob);
  blobsInflight.set(blob, p);
  try {
    await p;
  } finally {
    if (blobsInflight.get(blob) === p) blobsInflight.delete(blob);
  }
}

async function fileSize(p: string): Promise<number> {
  try {
    return (await lstat(p)).size;
  } catch {
    return 0;
  }
}

async function hashPrefix(path: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function downloadBlob(ctx: Ctx, file: string, meta: FileMeta, blob: string): Promise<void> {
  await mkdir(dirname(blob), { recursive: true });
  const incomplete = `${blob}.incomplete`;
  let retries = TRANSFER_RETRIES;
  for (;;) {
    try {
      await transferOnce(ctx, file, meta, incomplete);
      break;
    } catch (err) {
      // A drop mid-file is resumed from what arrived, within this call; the .incomplete file
      // stays when we give up, so the next call resumes too.
      if (err instanceof TransferInterrupted && retries > 0) {
        retries -= 1;
        await pause(ctx, RETRY_PAUSE_MS * (TRANSFER_RETRIES - retries));
        continue;
      }
      throw err;
    }
  }
  await rename(incomplete, blob);
}

async function transferOnce(ctx: Ctx, file: string, meta: FileMeta, incomplete: string): Promise<void> {
  let offset = await fileSize(incomplete);
  if (meta.size !== undefined && offset > meta.size) {
    await rm(incomplete, { force: true });
    offset = 0;
  }
  let res: Response | undefined;
  if (meta.size === undefined || offset < meta.size) {
    res = await get(ctx, meta.downloadUrl, offset > 0 ? { Range: `bytes=${offset}-` } : {});
    if (res.status === 416) {
      // Our partial file is at least as long as what the server has, so it is not a prefix of
      // this file (left by another version, say): start over.
      await res.body?.cancel().catch(() => undefined);
      await rm(incomplete, { force: true });
      offset = 0;
      res = await get(ctx, meta.downloadUrl, {});
    } else if (offset > 0) {
      const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      if (res.status !== 206 || !m || Number(m[1]) !== offset) offset = 0; // the server ignored Range
    }
  }

  const hash = meta.lfs ? createHash('sha256') : undefined;
  if (hash && offset > 0) await hashPrefix(incomplete, hash);
  const contentLength = Number(res?.headers.get('content-length') ?? NaN);
  const total = meta.size ?? (Number.isFinite(contentLength) ? offset + contentLength : 0);
  let done = offset;
  let last = 0;
  const report = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    ctx.progress({ file, bytesDone: done, bytesTotal: total });
  };
  report(true);

  if (res) {
    const fh = await open(incomplete, offset > 0 ? 'a' : 'w');
    try {
      if (!res.body) throw new SentenceLensError('NETWORK', `empty response for ${file}`);
      for await (const chunk of res.body) {
        const buf = chunk as Uint8Array;
        await fh.write(buf);
        hash?.update(buf);
        done += buf.length;
        report(false);
      }
    } catch (err) {
      if (err instanceof SentenceLensError) throw err;
      if (ctx.signal.aborted || isAbort(err)) throw cancelled();
      throw new TransferInterrupted(`download of ${file} interrupted at ${done} of ${total} bytes: ${describeNetworkError(err)}`, err);
    } finally {
      await fh.close();
    }
  }
  if (meta.size !== undefined && done !== meta.size) {
    if (done < meta.size) {
      throw new TransferInterrupted(`download of ${file} interrupted at ${done} of ${meta.size} bytes`);
    }
    await rm(incomplete, { force: true });
    throw new SentenceLensError('CHECKSUM', `${file} of ${ctx.modelId}: got ${done} bytes, the hub says ${meta.size}; the partial file was deleted, try again`);
  }
  if (hash) {
    const actual = hash.digest('hex');
    if (actual !== meta.etag) {
      await rm(incomplete, { force: true });
      throw new SentenceLensError(
        'CHECKSUM',
        `${file} of ${ctx.modelId} is corrupt: its sha256 is ${actual} but the hub says ${meta.etag}; the file was deleted, try again (a proxy may be altering downloads)`,
      );
    }
  }
  report(true);
}
