/**
 * The heads-only fast path (freeze policy `backbone`): when nothing below the heads trains, the
 * encoder's output for a sentence never changes, so the dataset is embedded once (length-bucketed
 * inference, the un-normalised pooled vector the heads read), cached in memory and on disk, and
 * each step runs only a small graph: pooled [batch, hidden] → heads → losses → head gradients.
 *
 * No dropout on this path: BertModel applies dropout only inside the encoder, and the heads have
 * none, so with a frozen backbone there is nothing below the heads to drop. (A full-graph run with
 * a frozen backbone *and* dropout on would see a differently perturbed pooled vector each step; the
 * fast path gives that noise up and equals the full graph run without dropout.)
 *
 * Example (the trainer loop):
 *
 *   const pooled = await PooledCache.compute(loaded, texts, { pooling: 'mean', maxLength: 128,
 *     batchSize: 32, device: 'auto', cacheDir: join(storage, 'pooled-cache'), onProgress, signal });
 *   const headsTrainer = await HeadsTrainer.create({ hidden: loaded.config.hiddenSize, tasks,
 *     heads: headWeights, isTrainable: isTrainableFor(policy, ctx), lossWeights, classWeights });
 *   const params = new ParameterSet(headTensors, (n) => headsTrainer.trainableNames.has(n));
 *   for (const batch of batches) {                      // batch: row indices into `texts`
 *     const r = await headsTrainer.run(gatherRows(pooled, hidden, batch), batch.map((i) => rows[i].labels), params);
 *     applyUpdate(params, r.grads, optimizer, schedule.lrAt(step), { maxGradNorm });
 *   }
 *   await headsTrainer.release();
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { Graph } from '../graph/index.js';
import { SentenceModel } from '../inference.js';
import type { Tensor } from '../model/bert-weights.js';
import type { TaskSpec } from '../model/heads.js';
import type { LoadedModel } from '../model/load.js';
import type { Pooling } from '../model/pooling.js';
import type { Device, DeviceSetting } from '../runtime/device.js';
import { createSession, ort, type Session } from '../runtime/session.js';
import { readSafetensors, writeSafetensors } from '../weights/safetensors.js';
import { addHeadsLossesAndGrads, addTaskInputs, type HeadsLossOptions, type TrainingGraph } from './train-graph.js';

// ---------------------------------------------------------------------------------------------
// The heads-only training graph.

export interface HeadsTrainingGraphOptions extends HeadsLossOptions {
  readonly floatType?: 'float32' | 'float64';
}

/**
 * Inputs: `pooled` (float [batch, hidden], the un-normalised pooled vector), labels_<task>
 * (int64 [batch]) and mask_<task> (float [batch]); trainable head parameters by name.
 * Outputs: loss, loss_<task>, logits_<task>, grad:<param> — the same names, values and rules as
 * buildTrainingGraph's (both call addHeadsLossesAndGrads), minus the encoder.
 */
export function buildHeadsTrainingGraph(
  hidden: number,
  heads: ReadonlyMap<string, Tensor>,
  tasks: readonly TaskSpec[],
  options: HeadsTrainingGraphOptions,
): TrainingGraph {
  const g = new Graph({ floatType: options.floatType, name: 'sentence_lens_heads_training' });
  const pooled = g.input('pooled', g.floatType, ['batch', hidden]);
  const taskInputs = addTaskInputs(g, tasks);
  return { graph: g, ...addHeadsLossesAndGrads(g, pooled, heads, tasks, taskInputs, options) };
}

// ---------------------------------------------------------------------------------------------
// Feeds and one step.

/** A row's labels by task name: a class index, or null/absent when the row has none. */
export type RowLabels = Readonly<Record<string, number | null | undefined>>;

/**
 * labels_<task> and mask_<task> feeds for a batch (unlabelled rows: label −1, mask 0). The mask
 * is also the row's weight in the loss (losses.ts: Σ m·nll / Σ m), so `rowWeights` (default 1)
 * counts a row as that many copies of itself.
 */
export function taskFeeds(tasks: readonly TaskSpec[], rows: readonly RowLabels[], floatType: 'float32' | 'float64' = 'float32', rowWeights?: readonly number[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const b = rows.length;
  for (const t of tasks) {
    const labels = new BigInt64Array(b);
    const mask = floatType === 'float64' ? new Float64Array(b) : new Float32Array(b);
    rows.forEach((r, i) => {
      const y = r[t.name];
      if (y === null || y === undefined) {
        labels[i] = -1n;
        return;
      }
      if (!Number.isInteger(y) || y < 0 || y >= t.labels.length) {
        throw new SentenceLensError('BAD_ARGUMENT', `row ${i} of the batch: label ${y} for task "${t.name}" is not in 0..${t.labels.length - 1}`);
      }
      labels[i] = BigInt(y);
      mask[i] = rowWeights?.[i] ?? 1;
    });
    feeds[`labels_${t.name}`] = new ort.Tensor('int64', labels, [b]);
    feeds[`mask_${t.name}`] = new ort.Tensor(floatType, mask, [b]);
  }
  return feeds;
}

/** Rows `indices` of a row-major [n, hidden] matrix, as a new [indices.length, hidden] matrix. */
export function gatherRows(pooled: Float32Array, hidden: number, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * hidden);
  indices.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || (r + 1) * hidden > pooled.length) throw new SentenceLensError('BAD_ARGUMENT', `row ${r} is outside the pooled matrix (${pooled.length / hidden} rows)`);
    out.set(pooled.subarray(r * hidden, (r + 1) * hidden), i * hidden);
  });
  return out;
}

export interface HeadsStepResult {
  readonly loss: number;
  /** loss_<task> for the tasks with non-zero weight. */
  readonly losses: Record<string, number>;
  /** logits_<task>, [batch, labels] row-major. */
  readonly logits: Record<string, Float32Array>;
  /** Gradient of every trainable head parameter, by name (ready for applyUpdate). */
  readonly grads: Map<string, Float32Array>;
}

export interface HeadsTrainerOptions extends HeadsTrainingGraphOptions {
  readonly hidden: number;
  readonly tasks: readonly TaskSpec[];
  /** Initial head weights; only their shapes (and frozen heads' values) are baked into the graph. */
  readonly heads: ReadonlyMap<string, Tensor>;
  /**
   * Default 'cpu': the graph is a few small GEMMs, so on a GPU host copies would cost more than
   * the arithmetic.
   */
  readonly device?: Device;
}

/** A session over the heads-only graph: one `run` per step gives losses, logits and grads. */
export class HeadsTrainer {
  readonly trainableNames: ReadonlySet<string>;

  private constructor(
    readonly graph: TrainingGraph,
    private readonly session: Session,
    readonly hidden: number,
    readonly tasks: readonly TaskSpec[],
    private readonly floatType: 'float32' | 'float64',
  ) {
    this.trainableNames = new Set(graph.trainable.map((t) => t.name));
  }

  static async create(options: HeadsTrainerOptions): Promise<HeadsTrainer> {
    const graph = buildHeadsTrainingGraph(options.hidden, options.heads, options.tasks, options);
    const session = await createSession(graph.graph.toBytes(), options.device ?? 'cpu');
    return new HeadsTrainer(graph, session, options.hidden, options.tasks, options.floatType ?? 'float32');
  }

  get lossTasks(): readonly string[] {
    return this.graph.lossTasks;
  }

  /**
   * One forward + backward on `pooled` ([rows.length, hidden], e.g. from gatherRows) with the
   * trainable heads' current values from `params` (a ParameterSet or any name → data lookup);
   * `rowWeights` weighs each row's loss (default 1, see taskFeeds).
   */
  async run(pooled: Float32Array, rows: readonly RowLabels[], params: { get(name: string): Float32Array }, rowWeights?: readonly number[]): Promise<HeadsStepResult> {
    const b = rows.length;
    if (pooled.length !== b * this.hidden) {
      throw new SentenceLensError('BAD_ARGUMENT', `pooled batch has ${pooled.length} values, expected ${b} rows × ${this.hidden}`);
    }
    const ft = this.floatType;
    const asFloat = (x: Float32Array) => (ft === 'float64' ? Float64Array.from(x) : x);
    const feeds: Record<string, ort.Tensor> = {
      pooled: new ort.Tensor(ft, asFloat(pooled), [b, this.hidden]),
      ...taskFeeds(this.tasks, rows, ft, rowWeights),
    };
    for (const t of this.graph.trainable) {
      const data = params.get(t.name);
      feeds[t.value.name] = new ort.Tensor(ft, asFloat(data), t.value.shape.map(Number));
    }
    const out = await this.session.run(feeds);
    const asF32 = (x: ort.Tensor) => (x.data instanceof Float32Array ? x.data : Float32Array.from(x.data as Float64Array));
    const losses: Record<string, number> = {};
    for (const name of this.graph.lossTasks) losses[name] = Number(out[`loss_${name}`]!.data[0]);
    const logits: Record<string, Float32Array> = {};
    for (const t of this.tasks) logits[t.name] = asF32(out[`logits_${t.name}`]!);
    const grads = new Map(this.graph.trainable.map((t) => [t.name, asF32(out[t.grad]!)] as [string, Float32Array]));
    return { loss: Number(out['loss']!.data[0]), losses, logits, grads };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

// ---------------------------------------------------------------------------------------------
// The pooled-vector cache.

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

/** Where the answers came from since the process started (or the last resetStats). */
export interface PooledCacheStats {
  memoryHits: number;
  diskHits: number;
  /** Computations (cache misses). */
  computed: number;
  /** Inference session runs (one per length bucket) done for misses. */
  sessionRuns: number;
}

const CACHE_FORMAT = '1';
const MEMORY_ENTRIES = 4;
/** Key → pooled matrix, least recently used first. */
const memory = new Map<string, Float32Array>();

/**
 * Pooled sentence vectors [n, hidden] (row i is texts[i]), computed once per (weights, tokenizer,
 * pooling, max length, texts) and kept in memory (the last few) and, given `cacheDir`, on disk.
 * Returned arrays are copies: the caller may keep or modify them.
 */
export class PooledCache {
  static readonly stats: PooledCacheStats = { memoryHits: 0, diskHits: 0, computed: 0, sessionRuns: 0 };

  static resetStats(): void {
    Object.assign(PooledCache.stats, { memoryHits: 0, diskHits: 0, computed: 0, sessionRuns: 0 });
  }

  /** Forgets the in-memory entries (the disk cache stays). */
  static clearMemory(): void {
    memory.clear();
  }

  /** The cache key (a hex SHA-256) for these texts and options. */
  static async key(model: LoadedModel, texts: readonly string[], opts: Pick<PooledCacheOptions, 'pooling' | 'maxLength' | 'weightsKey'>): Promise<string> {
    const h = createHash('sha256');
    const part = (s: string) => {
      h.update(`${Buffer.byteLength(s)}:`);
      h.update(s);
    };
    part(`pooled-cache v${CACHE_FORMAT}`);
    part(opts.weightsKey ?? (await weightsIdentity(model)));
    part(JSON.stringify(model.config));
    part(opts.pooling);
    part(String(Math.min(opts.maxLength, model.config.maxPositions)));
    part(String(texts.length));
    for (const t of texts) part(t);
    return h.digest('hex');
  }

  static async compute(model: LoadedModel, texts: readonly string[], opts: PooledCacheOptions): Promise<Float32Array> {
    const hidden = model.config.hiddenSize;
    const key = await PooledCache.key(model, texts, opts);
    const inMemory = memory.get(key);
    if (inMemory) {
      memory.delete(key);
      memory.set(key, inMemory); // most recently used last
      PooledCache.stats.memoryHits++;
      opts.onProgress?.(texts.length, texts.length);
      return inMemory.slice();
    }
    const path = opts.cacheDir ? join(opts.cacheDir, `${key}.safetensors`) : undefined;
    if (path) {
      const fromDisk = await readCacheFile(path, key, texts.length, hidden, opts.log);
      if (fromDisk) {
        PooledCache.stats.diskHits++;
        const now = new Date();
        await utimes(path, now, now).catch(() => undefined); // recently used: pruned last
        remember(key, fromDisk);
        opts.onProgress?.(texts.length, texts.length);
        return fromDisk.slice();
      }
    }

    const pooled = await embed(model, texts, opts);
    PooledCache.stats.computed++;
    remember(key, pooled);
    if (path) {
      await mkdir(opts.cacheDir!, { recursive: true });
      await writeSafetensors(path, [['pooled', { shape: [texts.length, hidden], data: pooled }]], {
        format: 'pt', sentence_lens_pooled_cache: CACHE_FORMAT, key, pooling: opts.pooling,
      });
      await prune(opts.cacheDir!, opts.maxDiskEntries ?? 16);
    }
    return pooled.slice();
  }
}

function remember(key: string, pooled: Float32Array): void {
  memory.set(key, pooled);
  while (memory.size > MEMORY_ENTRIES) memory.delete(memory.keys().next().value!);
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

async function weightsIdentity(model: LoadedModel): Promise<string> {
  const files = await Promise.all(['model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) => fileIdentity(join(model.dir, f))));
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

async function embed(model: LoadedModel, texts: readonly string[], opts: PooledCacheOptions): Promise<Float32Array> {
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
        PooledCache.stats.sessionRuns++;
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
