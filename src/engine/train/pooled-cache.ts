/**
 * The pooled-vector cache of the heads-only fast path: a dataset's un-normalised pooled
 * sentence vectors (what the heads read), computed once per (weights, tokenizer, pooling,
 * max length, texts) by length-bucketed inference and kept in memory and, given a folder, on
 * disk. The caller owns a PooledCache instance: its memory entries and its counters belong to
 * that caller (a trainer run, a server retraining heads), not to the process.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { SentenceModel } from '../inference.js';
import { maxSequenceLength } from '../model/architectures.js';
import type { LoadedModel } from '../model/load.js';
import type { Pooling } from '../model/pooling.js';
import type { DeviceSetting } from '../runtime/device.js';
import { readSafetensors, writeSafetensors } from '../weights/safetensors.js';

export interface PooledCacheOptions {
  readonly pooling: Pooling;
  /** Token limit per text (clamped to the model's max positions, as inference does). */
  readonly maxLength: number;
  readonly batchSize: number;
  readonly device: DeviceSetting;
  /** Folder for `<key>.safetensors` files; absent: memory only. Created if missing. */
  readonly cacheDir?: string;
  /** Files kept in `cacheDir`, least recently used removed first (default 16). */
  readonly maxDiskEntries?: number;
  /**
   * Identity of the backbone weights, replacing the default (path, size and mtime of
   * model.safetensors and tokenizer.json, and the hub commit). Pass one when the weights in
   * memory are not those of the file (e.g. after fine-tuning the backbone in this process).
   */
  readonly weightsKey?: string;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

/** Where this cache's answers came from since it was made (or the last resetStats). */
export interface PooledCacheStats {
  memoryHits: number;
  diskHits: number;
  /** Computations (cache misses). */
  computed: number;
  /** Inference session runs (one per length bucket) done for misses. */
  sessionRuns: number;
}

const CACHE_FORMAT = '1';
const DEFAULT_MEMORY_ENTRIES = 4;
const DEFAULT_DISK_ENTRIES = 16;

/**
 * Pooled sentence vectors [n, hidden] (row i is texts[i]). Returned arrays are copies: the
 * caller may keep or modify them.
 */
/** What identifies a model in the cache key (its folder, source and shape; not its weights in memory). */
type KeyedModel = Pick<LoadedModel, 'dir' | 'source' | 'config'>;

export class PooledCache {
  readonly stats: PooledCacheStats = { memoryHits: 0, diskHits: 0, computed: 0, sessionRuns: 0 };
  /** Key → pooled matrix, least recently used first. */
  private readonly memory = new Map<string, Float32Array>();

  /** `memoryEntries`: how many matrices stay in memory (the most recently used). */
  constructor(private readonly memoryEntries = DEFAULT_MEMORY_ENTRIES) {}

  resetStats(): void {
    Object.assign(this.stats, { memoryHits: 0, diskHits: 0, computed: 0, sessionRuns: 0 });
  }

  /** Forgets the in-memory entries (the disk cache stays). */
  clearMemory(): void {
    this.memory.clear();
  }

  /** The cache key (a hex SHA-256) for these texts and options. */
  static async key(model: KeyedModel, texts: readonly string[], opts: Pick<PooledCacheOptions, 'pooling' | 'maxLength' | 'weightsKey'>): Promise<string> {
    const h = createHash('sha256');
    const part = (s: string) => {
      h.update(`${Buffer.byteLength(s)}:`);
      h.update(s);
    };
    part(`pooled-cache v${CACHE_FORMAT}`);
    part(opts.weightsKey ?? (await weightsIdentity(model)));
    part(JSON.stringify(model.config));
    part(opts.pooling);
    part(String(Math.min(opts.maxLength, maxSequenceLength(model.config))));
    part(String(texts.length));
    for (const t of texts) part(t);
    return h.digest('hex');
  }

  async compute(model: LoadedModel, texts: readonly string[], opts: PooledCacheOptions): Promise<Float32Array> {
    return this.computeWith(model, texts, opts, () => embed(model, texts, opts, () => this.stats.sessionRuns++));
  }

  /**
   * As compute, but a miss is filled by `embedAll` (the pooled vectors of all `texts`, row by
   * row): for a caller that already holds a session giving pooled vectors (a served model
   * without heads-side normalization), whose weights live only in ONNX Runtime.
   */
  async computeWith(model: KeyedModel, texts: readonly string[], opts: PooledCacheOptions, embedAll: () => Promise<Float32Array>): Promise<Float32Array> {
    const key = await PooledCache.key(model, texts, opts);
    const found = this.fromMemory(key) ?? (await this.fromDisk(key, texts.length, model.config.hiddenSize, opts));
    if (found) {
      opts.onProgress?.(texts.length, texts.length);
      return found.slice();
    }
    const pooled = await embedAll();
    this.stats.computed++;
    this.remember(key, pooled);
    if (opts.cacheDir) await writeCacheFile(opts.cacheDir, key, pooled, [texts.length, model.config.hiddenSize], opts);
    return pooled.slice();
  }

  private fromMemory(key: string): Float32Array | undefined {
    const hit = this.memory.get(key);
    if (!hit) return undefined;
    this.memory.delete(key);
    this.memory.set(key, hit); // most recently used last
    this.stats.memoryHits++;
    return hit;
  }

  private async fromDisk(key: string, n: number, hidden: number, opts: PooledCacheOptions): Promise<Float32Array | undefined> {
    if (!opts.cacheDir) return undefined;
    const path = cachePath(opts.cacheDir, key);
    const hit = await readCacheFile(path, key, n, hidden, opts.log);
    if (!hit) return undefined;
    this.stats.diskHits++;
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined); // recently used: pruned last
    this.remember(key, hit);
    return hit;
  }

  private remember(key: string, pooled: Float32Array): void {
    this.memory.set(key, pooled);
    while (this.memory.size > this.memoryEntries) this.memory.delete(this.memory.keys().next().value!);
  }
}

const cachePath = (dir: string, key: string) => join(dir, `${key}.safetensors`);

async function writeCacheFile(dir: string, key: string, pooled: Float32Array, shape: [number, number], opts: PooledCacheOptions): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(cachePath(dir, key), [['pooled', { shape, data: pooled }]], {
    format: 'pt', sentence_lens_pooled_cache: CACHE_FORMAT, key, pooling: opts.pooling,
  });
  await prune(dir, opts.maxDiskEntries ?? DEFAULT_DISK_ENTRIES);
}

/** Removes the least recently used cache files beyond `keep`. */
async function prune(dir: string, keep: number): Promise<void> {
  const files = (await readdir(dir)).filter((f) => /^[0-9a-f]{64}\.safetensors$/.test(f));
  if (files.length <= keep) return;
  const dated = await Promise.all(files.map(async (f) => ({ f, t: (await stat(join(dir, f)).catch(() => undefined))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => a.t - b.t);
  for (const { f } of dated.slice(0, dated.length - keep)) await rm(join(dir, f), { force: true });
}

async function fileIdentity(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${path}|${s.size}|${s.mtimeMs}`;
  } catch {
    return `${path}|absent`;
  }
}

async function weightsIdentity(model: KeyedModel): Promise<string> {
  const files = await Promise.all(['model.safetensors', 'model.safetensors.index.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => fileIdentity(join(model.dir, f))));
  return [model.source.modelId, model.source.commit, ...files].join('\n');
}

async function readCacheFile(path: string, key: string, n: number, hidden: number, log?: (m: string) => void): Promise<Float32Array | undefined> {
  let file;
  try {
    file = await readSafetensors(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SentenceLensError && e.code === 'MISSING_FILE')) {
      log?.(`pooled cache ${path} unreadable (${(e as Error).message}); recomputing`);
    }
    return undefined;
  }
  const t = file.tensors.get('pooled');
  if (file.metadata['key'] !== key || !t || t.shape[0] !== n || t.shape[1] !== hidden) {
    log?.(`pooled cache ${path} does not match (key or shape); recomputing`);
    return undefined;
  }
  return t.data;
}

/** The pooled vectors by inference; `onSessionRun` is called once per length bucket run. */
async function embed(model: LoadedModel, texts: readonly string[], opts: PooledCacheOptions, onSessionRun: () => void): Promise<Float32Array> {
  const hidden = model.config.hiddenSize;
  // Without heads the inference graph is encoder + pooling only; normalize: false gives the
  // vector the heads read.
  const sm = await SentenceModel.fromLoaded({ ...model, heads: undefined }, {
    device: opts.device, pooling: opts.pooling, normalize: false, maxLength: opts.maxLength, batchSize: opts.batchSize, log: opts.log,
  });
  try {
    const results = await sm.run(texts, {
      signal: opts.signal,
      onProgress: (done, total) => {
        onSessionRun();
        opts.onProgress?.(done, total);
      },
    });
    const out = new Float32Array(texts.length * hidden);
    results.forEach((r, i) => out.set(r.embedding, i * hidden));
    return out;
  } finally {
    await sm.release();
  }
}
