/**
 * Sentence embeddings and task probabilities from a model folder, on the chosen device:
 * tokenize once, bucket by length, run the inference graph batch by batch, restore order.
 */
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LENGTH } from './choices.js';
import { SentenceLensError } from './errors.js';
import { lengthBuckets } from './batching.js';
import { type LoadedModel, loadModel } from './model/load.js';
import { type ModelSource, resolveModelSource } from './model/source.js';
import type { DownloadOptions } from './hub.js';
import { maxSequenceLength } from './model/architectures.js';
import { buildInferenceGraph } from './model/inference-graph.js';
import { choosePrecision, deviceForPrecision, type PrecisionChoice, type PrecisionSetting } from './model/precision.js';
import type { TaskSpec } from './model/heads.js';
import type { Pooling } from './model/pooling.js';
import type { Device, DeviceSetting } from './runtime/device.js';
import { type InferenceDevice, inferenceDevice } from './runtime/inference-device.js';
import { createSession, encoderFeeds, type Session } from './runtime/session.js';
import { SentenceTokenizer } from './tokenizer.js';

export interface InferenceOptions {
  readonly device?: DeviceSetting;
  /** fp32 (default), fp16 on a GPU, int8 on the CPU, or auto (model/precision.ts). */
  readonly precision?: PrecisionSetting;
  /** Defaults to the pooling the heads were trained with, else mean. */
  readonly pooling?: Pooling;
  readonly normalize?: boolean;
  readonly maxLength?: number;
  readonly batchSize?: number;
  readonly log?: (message: string) => void;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface TaskResult {
  readonly label: string;
  readonly probs: Record<string, number>;
}

export interface SentenceResult {
  readonly embedding: Float32Array;
  readonly tasks: Record<string, TaskResult>;
  readonly truncated: boolean;
  /** Share of the text's words unknown to the vocabulary (see SentenceTokenizer.encode). */
  readonly unknownShare: number;
}

export type ServedModel = Omit<LoadedModel, 'backbone' | 'extras'>;

export { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LENGTH };

export class SentenceModel {
  private constructor(
    /** The model without its weights: ONNX Runtime holds those, and a second copy would double the memory. */
    readonly model: ServedModel,
    private readonly session: Session,
    readonly device: Device,
    readonly fallbacks: readonly string[],
    readonly pooling: Pooling,
    readonly normalize: boolean,
    readonly maxLength: number,
    readonly batchSize: number,
    readonly tasks: readonly TaskSpec[],
    /** How the device was chosen: adapter kind, and for auto the measured reason. */
    readonly deviceChoice: InferenceDevice,
    /** The precision it runs at, and why not the one asked for when it differs. */
    readonly precision: PrecisionChoice,
  ) {}

  /** `model` is a hub id, a model folder or a checkpoint folder (see resolveModelSource). */
  static async load(model: string, options: InferenceOptions & DownloadOptions = {}): Promise<SentenceModel> {
    return SentenceModel.fromSource(await resolveModelSource(model, options), options);
  }

  static async fromSource(source: ModelSource, options: InferenceOptions = {}): Promise<SentenceModel> {
    return SentenceModel.fromLoaded(await loadModel(source), options);
  }

  static async fromLoaded(model: LoadedModel, options: InferenceOptions = {}): Promise<SentenceModel> {
    const pooling = options.pooling ?? model.heads?.tasksFile.pooling ?? 'mean';
    const tasks = model.heads?.tasksFile.tasks ?? [];
    const maxLength = Math.min(options.maxLength ?? DEFAULT_MAX_LENGTH, maxSequenceLength(model.config));
    if (maxLength < 2) throw new SentenceLensError('BAD_ARGUMENT', `max length must be at least 2 (room for [CLS] and [SEP]), got ${maxLength}`);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new SentenceLensError('BAD_ARGUMENT', `batch size must be a positive integer, got ${batchSize}`);
    const normalize = options.normalize ?? false;
    const fp32 = buildInferenceGraph(model.config, model.backbone, model.heads?.weights ?? new Map(), { pooling, normalize, tasks }).toBytes();
    // The device is measured (auto) on the fp32 graph; the precision then follows the device.
    const choice = await inferenceDevice(deviceForPrecision(options.precision, options.device ?? 'auto'), fp32, model.config, options.log);
    for (const f of choice.fallbacks) options.log?.(`device fallback: ${f}`);
    const precision = await choosePrecision(options.precision ?? 'fp32', choice.device);
    if (precision.fallback) options.log?.(`precision fallback: ${precision.fallback}`);
    const bytes = precision.precision === 'fp32' ? fp32
      : buildInferenceGraph(model.config, model.backbone, model.heads?.weights ?? new Map(), { pooling, normalize, tasks, precision: precision.precision }).toBytes();
    const session = await createSession(bytes, choice.device);
    options.log?.(`model ${model.dir} on ${choice.device} (${precision.precision}): ${model.config.numLayers} layers × ${model.config.hiddenSize}, ${tasks.length} task head(s), ${pooling} pooling`);
    const { backbone: _weights, extras: _extras, ...served } = model;
    return new SentenceModel(served, session, choice.device, choice.fallbacks, pooling, normalize, maxLength, batchSize, tasks, choice, precision);
  }

  get dim(): number {
    return this.model.config.hiddenSize;
  }

  get tokenizer(): SentenceTokenizer {
    return this.model.tokenizer;
  }

  /** Embeds and classifies `texts`, in their order. */
  async run(texts: readonly string[], options: RunOptions = {}): Promise<SentenceResult[]> {
    const { ids, truncated, unknownShare } = this.model.tokenizer.encode(texts, this.maxLength);
    const results = new Array<SentenceResult>(texts.length);
    const buckets = lengthBuckets(ids.map((r) => r.length), this.batchSize);
    let done = 0;
    for (const bucket of buckets) {
      if (options.signal?.aborted) throw new SentenceLensError('CANCELLED', 'cancelled');
      const batch = SentenceTokenizer.pad(bucket.indices.map((i) => ids[i]!), this.model.tokenizer.padId);
      const out = await this.session.run(encoderFeeds(batch, batch.batch, batch.seqLen, this.model.config));
      const emb = out['sentence_embedding']!.data as Float32Array;
      const probs = this.tasks.map((t) => out[`${t.name}_probs`]!.data as Float32Array);
      bucket.indices.forEach((original, row) => {
        const tasks: Record<string, TaskResult> = {};
        this.tasks.forEach((t, ti) => {
          const k = t.labels.length;
          const p = probs[ti]!.subarray(row * k, (row + 1) * k);
          let best = 0;
          const byLabel: Record<string, number> = {};
          t.labels.forEach((l, li) => {
            byLabel[l] = p[li]!;
            if (p[li]! > p[best]!) best = li;
          });
          tasks[t.name] = { label: t.labels[best]!, probs: byLabel };
        });
        results[original] = { embedding: emb.slice(row * this.dim, (row + 1) * this.dim), tasks, truncated: truncated[original]!, unknownShare: unknownShare[original]! };
      });
      done += bucket.indices.length;
      options.onProgress?.(done, texts.length);
    }
    return results;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
