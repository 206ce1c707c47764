/**
 * Owns the SentenceModel of the server process: resolves and loads it (one at a time; a new
 * load replaces the old model), and answers classify / embed / similar with it.
 */
import { SentenceLensError } from '../engine/errors.js';
import { bundledDataCsv } from '../bundled-files.js';
import type { SentenceModel, SentenceResult } from '../engine/inference.js';
import type { MapModel } from '../engine/map/build-map.js';
import type { TaskSpec } from '../engine/model/heads.js';
import { prepareSentenceModel } from '../engine/prepare-model.js';
import { LabelsHeads } from './labels-heads.js';
import { mapRequest } from './map-request.js';
import type {
  Classification,
  ClassifyResult,
  EmbedResult,
  LoadModelParams,
  MapParams,
  ModelInfo,
  ProgressParams,
  RetrainHeadsParams,
  RetrainHeadsResult,
  SentenceMapData,
  ServerState,
  SimilarParams,
  SimilarResult,
  StatusResult,
  TextsParams,
} from '../protocol.js';

export interface ServiceOptions {
  readonly log: (message: string) => void;
  /** Per-request detail (how many sentences each classify request held). */
  readonly debug?: (message: string) => void;
  readonly progress: (p: ProgressParams) => void;
}

/** Refuse requests that would keep the server busy for minutes or blow up the IPC channel. */
export const MAX_TEXTS = 20_000;
export const MAX_TEXT_CHARS = 100_000;

export class ModelService {
  private model: SentenceModel | undefined;
  private info: ModelInfo | undefined;
  private loading: Promise<SentenceModel> | undefined;
  private state: ServerState = 'idle';
  private lastError: string | undefined;
  private readonly labels: LabelsHeads;
  /** Sentences classified since the server started (the debug log reports it with each request). */
  private classified = 0;

  constructor(private readonly opts: ServiceOptions) {
    this.labels = new LabelsHeads(opts.log);
  }

  status(): StatusResult {
    return { state: this.state, model: this.info, error: this.lastError, pid: process.pid };
  }

  async load(p: LoadModelParams, signal: AbortSignal): Promise<ModelInfo> {
    const started = Date.now();
    const id = p.progressId;
    this.state = 'loading';
    const attempt = (async () => {
      if (id) this.opts.progress({ id, kind: 'load', message: `loading ${p.model}` });
      const model = await prepareSentenceModel(p.model, {
        device: p.device,
        precision: p.precision,
        pooling: p.pooling,
        maxLength: p.maxLength,
        batchSize: p.batchSize,
        log: this.opts.log,
        signal,
        onProgress: (e) => id && this.opts.progress({ id, kind: 'download', file: e.file, bytesDone: e.bytesDone, bytesTotal: e.bytesTotal }),
        // A hub backbone without heads gets topic/sentiment heads trained once on the bundled data.
        defaultHeads: {
          dataCsv: bundledDataCsv(),
          onEvent: (e) => {
            if (e.type === 'message') this.opts.log(e.message);
            if (id && e.type === 'progress' && e.phase === 'training') {
              this.opts.progress({ id, kind: 'load', message: `training default topic/sentiment heads: step ${e.step}/${e.totalSteps}` });
            }
          },
        },
      });
      if (signal.aborted) {
        await model.release();
        throw new SentenceLensError('CANCELLED', 'model load cancelled');
      }
      const loc = { dir: model.model.source.headsDir ?? model.model.dir, commit: model.model.source.commit };
      return { model, loc };
    })();
    const pending = attempt.then((r) => r.model);
    this.loading = pending;
    pending.catch(() => undefined);
    try {
      const { model, loc } = await attempt;
      if (this.loading !== pending) {
        // A newer load started meanwhile; this one lost.
        await model.release();
        throw new SentenceLensError('CANCELLED', 'superseded by a newer model load');
      }
      const old = this.model;
      this.model = model;
      await this.labels.attach(model);
      await old?.release();
      if (p.labels) await this.labels.applyIfCurrent(p.labels).catch((e: unknown) => this.opts.log(`labels heads not applied: ${(e as Error).message}`));
      this.info = this.withLabels({
        model: p.model,
        dir: loc.dir,
        commit: loc.commit,
        device: model.device,
        fallbacks: model.fallbacks,
        ...(model.deviceChoice.adapter ? { adapter: model.deviceChoice.adapter } : {}),
        ...(model.deviceChoice.reason ? { deviceReason: model.deviceChoice.reason } : {}),
        precision: model.precision.precision,
        ...(model.precision.fallback ? { precisionFallback: model.precision.fallback } : {}),
        tasks: model.tasks.map((t) => ({ name: t.name, labels: [...t.labels] })),
        dim: model.dim,
        pooling: model.pooling,
        maxLength: model.maxLength,
        loadMs: Date.now() - started,
      });
      this.state = 'ready';
      this.lastError = undefined;
      this.opts.log(`ready: ${p.model} on ${model.device}${model.deviceChoice.adapter === 'software' ? ' (software adapter)' : ''} in ${this.info.loadMs} ms`);
      return this.info;
    } catch (e) {
      if (this.loading === pending) {
        this.loading = undefined;
        this.state = this.model ? 'ready' : 'error';
        this.lastError = e instanceof Error ? e.message : String(e);
      }
      throw e;
    } finally {
      if (this.loading === pending) this.loading = undefined;
    }
  }

  async classify(p: TextsParams, signal: AbortSignal): Promise<ClassifyResult> {
    const t0 = performance.now();
    const out = await this.run(p, signal);
    const results: Classification[] = out.map((r) => ({ tasks: r.tasks, truncated: r.truncated, unknownShare: r.unknownShare }));
    const inferenceMs = performance.now() - t0;
    this.classified += results.length;
    this.opts.debug?.(`classify: ${results.length} sentence(s) in ${inferenceMs.toFixed(0)} ms; ${this.classified} since the server started`);
    return { results, inferenceMs };
  }

  async embed(p: TextsParams, signal: AbortSignal): Promise<EmbedResult> {
    const t0 = performance.now();
    const out = await this.run(p, signal);
    return { embeddings: out.map((r) => Array.from(r.embedding)), truncated: out.map((r) => r.truncated), inferenceMs: performance.now() - t0 };
  }

  async similar(p: SimilarParams, signal: AbortSignal): Promise<SimilarResult> {
    const out = await this.run({ texts: [p.query, ...p.texts], progressId: p.progressId }, signal);
    const q = out[0]!.embedding;
    const ranked = out.slice(1).map((r, index) => ({ index, score: cosine(q, r.embedding) }));
    ranked.sort((a, b) => b.score - a.score || a.index - b.index);
    return { ranked };
  }

  /** Retrains the heads from the labels file on top of the loaded model (see labels-heads.ts). */
  async retrainHeads(p: RetrainHeadsParams, signal: AbortSignal): Promise<RetrainHeadsResult> {
    await this.current();
    const id = p.progressId;
    const outcome = await this.labels.retrain(p, signal, (message) => id && this.opts.progress({ id, kind: 'load', message }));
    this.info = this.withLabels(this.info!);
    return { ...outcome, model: this.info };
  }

  /** The model's info with the tasks that answer now: the retrained heads' when they are on. */
  private withLabels(info: ModelInfo): ModelInfo {
    const active = this.labels.active;
    const { labelsHeads: _, ...rest } = info;
    const own = this.model?.tasks ?? [];
    const tasks = (active?.tasks ?? own).map((t) => ({ name: t.name, labels: [...t.labels] }));
    return active ? { ...rest, tasks, labelsHeads: { dir: active.dir, rows: active.rows } } : { ...rest, tasks };
  }

  /** The map's points are classified exactly as classify answers (the labels heads when they are on). */
  async map(p: MapParams, signal: AbortSignal): Promise<SentenceMapData> {
    return mapRequest(this.answering(await this.current()), p, signal, this.opts.progress, checkTexts);
  }

  async release(): Promise<void> {
    const m = this.model;
    this.model = undefined;
    await this.labels.attach(undefined);
    this.info = undefined;
    this.state = 'idle';
    await m?.release();
  }

  private async current(): Promise<SentenceModel> {
    if (this.loading) return this.loading;
    if (this.model) return this.model;
    throw new SentenceLensError('NO_MODEL', 'no model loaded: send sentenceLens/loadModel first');
  }

  private async run(p: TextsParams, signal: AbortSignal): Promise<readonly SentenceResult[]> {
    checkTexts(p.texts);
    if (p.texts.length === 0) return [];
    const id = p.progressId;
    return this.answering(await this.current()).run(p.texts, {
      signal,
      onProgress: id ? (done, total) => this.opts.progress({ id, kind: 'batch', done, total }) : undefined,
    });
  }

  /**
   * The model as every request sees it: its backbone, and the retrained labels heads on top when
   * they are on. Classify, embed, similar and the map all run through here, so the map colours a
   * sentence by the label its annotation shows. `tasks` are the ones the last run answered with.
   */
  private answering(model: SentenceModel): MapModel {
    const labels = this.labels;
    let tasks: readonly TaskSpec[] = labels.active?.tasks ?? model.tasks;
    return {
      get tasks() {
        return tasks;
      },
      async run(texts, options) {
        const out = await model.run(texts, options);
        labels.remember(model, texts, out);
        const answered = await labels.relabel(out);
        tasks = answered.tasks ?? model.tasks;
        return answered.results;
      },
    };
  }
}

function checkTexts(texts: unknown): asserts texts is string[] {
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
    throw new SentenceLensError('BAD_ARGUMENT', '"texts" must be a list of strings');
  }
  if (texts.length > MAX_TEXTS) throw new SentenceLensError('BAD_ARGUMENT', `${texts.length} texts in one request; at most ${MAX_TEXTS}`);
  const long = texts.findIndex((t) => t.length > MAX_TEXT_CHARS);
  if (long >= 0) throw new SentenceLensError('BAD_ARGUMENT', `text ${long} has ${texts[long]!.length} characters; at most ${MAX_TEXT_CHARS}`);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
