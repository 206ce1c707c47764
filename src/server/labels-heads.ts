/**
 * The model server's side of teaching in place: heads retrained from the workspace's labels
 * file, on top of the loaded model. The backbone stays frozen, so every sentence's pooled vector
 * is computed once with the loaded model (classify requests fill the cache as a side effect) and
 * retraining runs only the small heads graph (trainHeadsQuick). The result is written as a
 * heads-only checkpoint (tasks.json, heads.safetensors, labels-heads.json with the fingerprint of
 * what it was trained from) and answers classify requests through its own small session
 * (HeadsClassifier), so new heads apply without rebuilding the backbone's session.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, labelsFileDigest, readLabels } from '../engine/data/labels-file.js';
import { defaultCacheDir } from '../engine/cache-dir.js';
import { SentenceLensError } from '../engine/errors.js';
import type { SentenceModel, SentenceResult } from '../engine/inference.js';
import { HeadsClassifier } from '../engine/model/heads-classifier.js';
import type { TaskSpec } from '../engine/model/heads.js';
import { readHeads } from '../engine/model/tasks-file.js';
import { PooledCache } from '../engine/train/pooled-cache.js';
import { trainHeadsQuick } from '../engine/train/quick-heads.js';
import { saveHeadsOnlyCheckpoint } from '../engine/weights/checkpoint.js';
import type { LabelsHeadsParams, RetrainHeadsResult } from '../protocol.js';
import { type TextRow, buildTrainingSet, mixCsvFor, readMixRows } from './labels-data.js';

export const LABELS_HEADS_FILE = 'labels-heads.json';
/** Bump when the training recipe changes, so older checkpoints are retrained. */
const RECIPE = 'quick-heads 1';
/** Pooled vectors kept per model (a 384-wide vector is 1.5 kB). */
const MAX_CACHED_VECTORS = 50_000;
/** A retrain may cost at most this much of a task's accuracy on the held-out rows (2 points). */
const MAX_HELD_OUT_DROP = 0.02;

interface Overlay {
  readonly classifier: HeadsClassifier;
  readonly tasks: readonly TaskSpec[];
  readonly rows: number;
  readonly dir: string;
  readonly fingerprint: string;
  /** Classify calls using this overlay's session; it is released only after they finish. */
  readonly busy: Set<Promise<unknown>>;
}

interface LabelsHeadsJson {
  readonly fingerprint: string;
  readonly rows: number;
  readonly trainedAt: string;
  readonly labelsFile: string;
  readonly mixedWith?: string;
}

export type RetrainOutcome = Omit<RetrainHeadsResult, 'model'>;

export class LabelsHeads {
  private model: SentenceModel | undefined;
  private pooled = new Map<string, Float32Array>();
  private overlay: Overlay | undefined;
  private mixCache: { key: string; rows: TextRow[] } | undefined;
  /** The mixed-in data's vectors also go to disk, so a restarted server does not embed it again. */
  private readonly diskCache = new PooledCache();

  constructor(private readonly log: (m: string) => void) {}

  /** The tasks and heads that answer now: the retrained ones, or undefined for the model's own. */
  get active(): { readonly tasks: readonly TaskSpec[]; readonly dir: string; readonly rows: number } | undefined {
    return this.overlay;
  }

  /** A new model answers from now on: its vectors and heads are not the old one's. */
  async attach(model: SentenceModel | undefined): Promise<void> {
    this.model = model;
    this.pooled = new Map();
    await this.setOverlay(undefined);
  }

  /** Keeps the pooled vectors of sentences the model just ran on (they are what the heads read). */
  remember(model: SentenceModel, texts: readonly string[], results: readonly SentenceResult[]): void {
    if (model !== this.model || model.normalize) return;
    texts.forEach((t, i) => this.cache(t, results[i]!.embedding));
  }

  /**
   * `results` with each task answered by the retrained heads, when there are any, and the tasks
   * they answered with (undefined: the model's own heads answered).
   */
  async relabel(results: SentenceResult[]): Promise<{ results: SentenceResult[]; tasks?: readonly TaskSpec[] }> {
    const o = this.overlay;
    if (!o || results.length === 0 || this.model?.normalize) return { results };
    const hidden = o.classifier.hidden;
    const pooled = new Float32Array(results.length * hidden);
    results.forEach((r, i) => pooled.set(r.embedding, i * hidden));
    const pending = o.classifier.classify(pooled);
    o.busy.add(pending);
    const tasks = await pending.finally(() => o.busy.delete(pending));
    return { results: results.map((r, i) => ({ ...r, tasks: tasks[i]! })), tasks: o.tasks };
  }

  /** On load: puts the checkpoint on top when it was trained from this labels file and model. */
  async applyIfCurrent(p: LabelsHeadsParams): Promise<boolean> {
    const model = this.requireModel();
    const { fingerprint } = await this.fingerprint(model, p);
    return this.reuse(model, p, fingerprint);
  }

  async retrain(p: LabelsHeadsParams, signal: AbortSignal, report: (message: string) => void): Promise<RetrainOutcome> {
    const model = this.requireModel();
    const t0 = performance.now();
    const labels = await readLabels(p.labelsFile);
    if (labels.rows.length === 0) {
      await this.setOverlay(undefined);
      if (existsSync(join(p.headsDir, LABELS_HEADS_FILE))) await rm(p.headsDir, { recursive: true, force: true });
      return { rows: 0, reused: false, unfit: [], limitedByHeldOut: false, ignored: [], trainMs: performance.now() - t0 };
    }
    const { fingerprint, mixPath } = await this.fingerprint(model, p);
    if (await this.reuse(model, p, fingerprint)) {
      return { rows: this.overlay!.rows, reused: true, unfit: [], limitedByHeldOut: false, ignored: [], mixedWith: mixPath, trainMs: performance.now() - t0 };
    }
    const base = model.model.heads;
    if (!base) throw new SentenceLensError('UNSUPPORTED', 'the loaded model has no task heads to retrain');
    const mix = mixPath ? await this.mixRows(mixPath) : undefined;
    if (mix) await this.warmFromDisk(model, mix.map((m) => m.text), signal, report);
    const set = buildTrainingSet({ tasks: model.tasks, heads: base.weights }, labels, mix, p.userWeight);
    if (set.userRows.length === 0) throw new SentenceLensError('BAD_CSV', `${p.labelsFile}: no row labels a task of the model (${model.tasks.map((t) => t.name).join(', ')})`);
    const pooled = await this.pooledFor(model, set.texts, signal, report);
    const heldPooled = await this.pooledFor(model, set.heldOut.texts, signal, report);
    report(`retraining the heads on ${set.userRows.length} labelled sentence(s)${mix ? ` and ${set.texts.length - set.userRows.length} rows of ${mixPath}` : ''}`);
    const trained = await trainHeadsQuick({
      hidden: model.dim, tasks: set.tasks, heads: set.heads, pooled, rows: set.rows, weights: set.weights, mustFit: set.userRows, signal,
      guard: set.heldOut.texts.length > 0 ? { pooled: heldPooled, rows: set.heldOut.rows, maxDrop: MAX_HELD_OUT_DROP } : undefined,
    });
    const classifier = await HeadsClassifier.create(model.dim, set.tasks, trained.heads);
    const heldOut = trained.guard && { rows: set.heldOut.texts.length, ...trained.guard };
    if (this.model !== model || signal.aborted) {
      await classifier.release();
      throw new SentenceLensError('CANCELLED', 'the model changed while the heads retrained');
    }
    const source = model.model.source;
    const meta: LabelsHeadsJson = { fingerprint, rows: set.userRows.length, trainedAt: new Date().toISOString(), labelsFile: p.labelsFile, mixedWith: mixPath };
    await saveHeadsOnlyCheckpoint(
      p.headsDir,
      { heads: trained.heads, tasks: { tasks: set.tasks, pooling: model.pooling, base: source.modelId ? { modelId: source.modelId, commit: source.commit } : { path: source.backboneDir } } },
      (tmp) => writeFile(join(tmp, LABELS_HEADS_FILE), JSON.stringify(meta, null, 2) + '\n'),
    );
    await this.setOverlay({ classifier, tasks: set.tasks, rows: set.userRows.length, dir: p.headsDir, fingerprint, busy: new Set() });
    const unfit = trained.unfit.map((u) => {
      const task = set.tasks.find((t) => t.name === u.task)!;
      return { sentence: set.texts[u.row]!, task: u.task, label: task.labels[set.rows[u.row]![u.task]!]!, predicted: task.labels[u.predicted]! };
    });
    const trainMs = performance.now() - t0;
    this.log(`labels heads: ${set.userRows.length} labelled sentence(s), ${trained.steps} steps, ${unfit.length} not fitted${trained.undone ? ' (a round that cost held-out accuracy was undone)' : ''}, ${trainMs.toFixed(0)} ms`);
    return { rows: set.userRows.length, reused: false, unfit, limitedByHeldOut: trained.undone > 0, ignored: set.ignored, heldOut, mixedWith: mixPath, trainMs };
  }

  private requireModel(): SentenceModel {
    if (!this.model) throw new SentenceLensError('BAD_ARGUMENT', 'no model loaded: send sentenceLens/loadModel first');
    return this.model;
  }

  /** Applies the checkpoint in headsDir when its fingerprint is `fingerprint`; true if the overlay is now current. */
  private async reuse(model: SentenceModel, p: LabelsHeadsParams, fingerprint: string): Promise<boolean> {
    if (this.overlay?.fingerprint === fingerprint && this.overlay.dir === p.headsDir) return true;
    let meta: LabelsHeadsJson;
    try {
      meta = JSON.parse(await readFile(join(p.headsDir, LABELS_HEADS_FILE), 'utf8')) as LabelsHeadsJson;
    } catch {
      return false;
    }
    if (meta.fingerprint !== fingerprint) return false;
    try {
      const { tasksFile, weights } = await readHeads(p.headsDir, model.dim);
      const classifier = await HeadsClassifier.create(model.dim, tasksFile.tasks, weights);
      if (this.model !== model) {
        await classifier.release();
        return false;
      }
      await this.setOverlay({ classifier, tasks: tasksFile.tasks, rows: meta.rows, dir: p.headsDir, fingerprint, busy: new Set() });
      return true;
    } catch (e) {
      this.log(`labels heads in ${p.headsDir} unusable (${(e as Error).message}); retraining`);
      return false;
    }
  }

  /** What the heads are trained from: labels file, mixed-in data, the model and its heads, the recipe. */
  private async fingerprint(model: SentenceModel, p: LabelsHeadsParams): Promise<{ fingerprint: string; mixPath?: string }> {
    const source = model.model.source;
    const mixPath = p.mixTrainingData ? mixCsvFor(source.headsDir) : undefined;
    const identity = async (path: string | undefined) => {
      if (!path) return '-';
      const s = await stat(path).catch(() => undefined);
      return s ? `${path}|${s.size}|${s.mtimeMs}` : `${path}|absent`;
    };
    const parts = [
      RECIPE, await labelsFileDigest(p.labelsFile), await identity(mixPath), String(p.userWeight),
      source.modelId, source.commit, await identity(join(source.backboneDir, 'model.safetensors')),
      await identity(source.headsDir && join(source.headsDir, 'heads.safetensors')), model.pooling, String(model.maxLength),
    ];
    return { fingerprint: createHash('sha256').update(parts.join('\n')).digest('hex'), mixPath };
  }

  private async mixRows(path: string): Promise<TextRow[]> {
    const key = digestOf(await readFile(path));
    if (this.mixCache?.key !== key) this.mixCache = { key, rows: await readMixRows(path) };
    return this.mixCache.rows;
  }

  /** Pooled vectors of `texts` ([n, hidden]); only sentences not seen before are run. */
  private async pooledFor(model: SentenceModel, texts: readonly string[], signal: AbortSignal, report: (m: string) => void): Promise<Float32Array> {
    const missing = [...new Set(texts.filter((t) => !this.pooled.has(t)))];
    if (missing.length > 0) {
      if (missing.length > 50) report(`embedding ${missing.length} sentences (once per model)`);
      const results = await model.run(missing, { signal });
      missing.forEach((t, i) => this.cache(t, results[i]!.embedding));
    }
    const hidden = model.dim;
    const out = new Float32Array(texts.length * hidden);
    texts.forEach((t, i) => out.set(this.pooled.get(t)!, i * hidden));
    return out;
  }

  /** Fills the vector cache for a fixed list of texts (the mixed-in data) from the disk cache, computing it once. */
  private async warmFromDisk(model: SentenceModel, texts: readonly string[], signal: AbortSignal, report: (m: string) => void): Promise<void> {
    if (texts.every((t) => this.pooled.has(t))) return;
    report(`embedding the ${texts.length} sentences of the mixed-in data (once per model)`);
    // The served model (normalize off) gives the pooled vectors the heads read; its weights live
    // only in ONNX Runtime, so it embeds the misses itself.
    const pooled = await this.diskCache.computeWith(model.model, texts, {
      pooling: model.pooling, maxLength: model.maxLength, batchSize: model.batchSize, device: 'cpu',
      cacheDir: join(defaultCacheDir(), 'pooled-cache'), signal, log: this.log,
    }, async () => {
      const out = new Float32Array(texts.length * model.dim);
      (await model.run(texts, { signal })).forEach((r, i) => out.set(r.embedding, i * model.dim));
      return out;
    });
    const hidden = model.dim;
    texts.forEach((t, i) => this.cache(t, pooled.subarray(i * hidden, (i + 1) * hidden)));
  }

  private cache(text: string, vector: Float32Array): void {
    this.pooled.delete(text);
    this.pooled.set(text, vector);
    if (this.pooled.size > MAX_CACHED_VECTORS) this.pooled.delete(this.pooled.keys().next().value!);
  }

  private async setOverlay(o: Overlay | undefined): Promise<void> {
    const old = this.overlay;
    this.overlay = o;
    if (!old || old.classifier === o?.classifier) return;
    await Promise.allSettled([...old.busy]);
    await old.classifier.release();
  }
}
