/**
 * The JSON-RPC contract between the extension host and the model server (src/server), spoken
 * over Node IPC with vscode-jsonrpc. Both sides import these constants; nothing else crosses.
 *
 * Requests take a cancellation token; the server maps it to an AbortSignal. Errors come back as
 * ResponseError(SERVER_ERROR, message, { code }) where `code` is a SentenceLensErrorCode, or
 * ResponseError(REQUEST_CANCELLED, …) when the request was cancelled.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { Device, DeviceSetting, Pooling, Precision, PrecisionSetting } from './engine/choices.js';
import type { CsvInspection } from './engine/data/inspect.js';
import type { SentenceLensErrorCode } from './engine/errors.js';
import type { ModelPicture } from './engine/train/model-picture.js';
import type { TrainOptions } from './engine/train/trainer-options.js';
import type { RunLogEntry } from './runs/run-folder.js';
import type { SentenceMapData } from './engine/map/map-data.js';

export type { SentenceMapData };

export type { Device, DeviceSetting, Pooling, Precision, PrecisionSetting };

/** JSON-RPC error code for failures carrying a SentenceLensErrorCode in `data.code`. */
export const SERVER_ERROR = -32001;
/** Same number LSP uses for a cancelled request. */
export const REQUEST_CANCELLED = -32800;

export interface ErrorData {
  readonly code: SentenceLensErrorCode | 'INTERNAL';
}

/**
 * Two loads with the same key load the same model: no reload is needed. Every field of
 * LoadModelParams but the progress id is part of it (a compile-time check below keeps it so).
 */
export function loadKey(p: LoadModelParams): string {
  return JSON.stringify(MODEL_FIELDS.map((f) => p[f] ?? null));
}

export function sameModel(a: LoadModelParams, b: LoadModelParams): boolean {
  return loadKey(a) === loadKey(b);
}

const MODEL_FIELDS = ['model', 'device', 'precision', 'pooling', 'maxLength', 'batchSize', 'labels'] as const satisfies readonly (keyof LoadModelParams)[];
// A field added to LoadModelParams must be added to MODEL_FIELDS (or here, if it does not change the model).
const everyFieldKeyed: [Exclude<keyof LoadModelParams, (typeof MODEL_FIELDS)[number] | 'progressId'>] extends [never] ? true : false = true;
void everyFieldKeyed;

export interface LoadModelParams {
  /** Hub id or local folder (already expanded: absolute, no `${…}` variables). */
  readonly model: string;
  readonly device: DeviceSetting;
  /** Absent: fp32. */
  readonly precision?: PrecisionSetting;
  /** Absent: the pooling the heads were trained with. */
  readonly pooling?: Pooling;
  readonly maxLength?: number;
  readonly batchSize?: number;
  /** Correlates `progress` notifications (download bytes, load steps) with this request. */
  readonly progressId?: string;
  /** The workspace's labels: its retrained heads are put on top of the model when current. */
  readonly labels?: LabelsHeadsParams;
}

/**
 * Teach in place: the workspace's labels CSV and the heads-only checkpoint retrained from it.
 * The retrained heads apply on top of whatever model is loaded (the model setting or the active
 * checkpoint): they start from that model's heads and are redone when it changes.
 */
export interface LabelsHeadsParams {
  /** Absolute path of the labels CSV (sentence + one column per task). */
  readonly labelsFile: string;
  /** Absolute folder of the heads-only checkpoint (tasks.json, heads.safetensors, labels-heads.json). */
  readonly headsDir: string;
  /** Also train on the bundled data, or on the active checkpoint's own training CSV. */
  readonly mixTrainingData: boolean;
  /** How many mixed-in rows one labelled sentence counts as. */
  readonly userWeight: number;
}

export interface RetrainHeadsParams extends LabelsHeadsParams {
  /** When set, the server sends `progress` notifications `{ kind: 'load' }` under this id. */
  readonly progressId?: string;
}

/** A labelled sentence the retrained heads still classify otherwise. */
export interface UnfitLabel {
  readonly sentence: string;
  readonly task: string;
  readonly label: string;
  readonly predicted: string;
}

export interface RetrainHeadsResult {
  /** The model as it now answers (tasks include labels added by the labels file). */
  readonly model: ModelInfo;
  /** Labelled sentences trained on (0: the labels file is empty or gone; the model's own heads answer). */
  readonly rows: number;
  /** The checkpoint was already trained from this labels file and model: applied, not retrained. */
  readonly reused: boolean;
  readonly unfit: readonly UnfitLabel[];
  /** Some of `unfit` could be learnt only by costing more than 2 points of held-out accuracy, so they were not. */
  readonly limitedByHeldOut: boolean;
  /** Parts of the labels file that could not be used, e.g. a column that is not a task of the model. */
  readonly ignored: readonly string[];
  /** Accuracy per task on rows of the mixed-in data held out of training, before and after. */
  readonly heldOut?: { readonly rows: number; readonly before: Readonly<Record<string, number>>; readonly after: Readonly<Record<string, number>> };
  /** The CSV mixed in, when any. */
  readonly mixedWith?: string;
  readonly trainMs: number;
}

export interface TaskInfo {
  readonly name: string;
  readonly labels: readonly string[];
}

export interface ModelInfo {
  /** What was asked for (hub id or folder). */
  readonly model: string;
  /** The folder the files were read from. */
  readonly dir: string;
  /** Hub commit, '' for a local folder. */
  readonly commit: string;
  readonly device: Device;
  /** Why better devices were passed over. */
  readonly fallbacks: readonly string[];
  /** "software" when WebGPU runs on a CPU rasterizer (known on Linux only); absent otherwise. */
  readonly adapter?: 'software' | 'unknown';
  /** With device "auto": which device, why, and the measured figures, in one sentence. */
  readonly deviceReason?: string;
  readonly precision: Precision;
  /** Why the precision asked for was not used (absent when it was). */
  readonly precisionFallback?: string;
  readonly tasks: readonly TaskInfo[];
  readonly dim: number;
  readonly pooling: Pooling;
  readonly maxLength: number;
  readonly loadMs: number;
  /** Heads retrained from the workspace's labels, when they answer instead of the model's own. */
  readonly labelsHeads?: { readonly dir: string; readonly rows: number };
}

export interface TextsParams {
  readonly texts: readonly string[];
  /** When set, the server sends `progress` notifications `{ kind: 'batch' }` under this id. */
  readonly progressId?: string;
}

export interface TaskResult {
  readonly label: string;
  readonly probs: Readonly<Record<string, number>>;
}

export interface Classification {
  readonly tasks: Readonly<Record<string, TaskResult>>;
  /** The sentence was longer than maxLength tokens and was cut. */
  readonly truncated: boolean;
  /**
   * Share (0–1) of the sentence's words that the model's vocabulary does not know: [UNK], or
   * spelled out letter by letter in word pieces. Absent from servers that do not measure it.
   */
  readonly unknownShare?: number;
}

export interface ClassifyResult {
  readonly results: readonly Classification[];
  /** Pure engine time for this request (tokenize + run), for the benchmark. */
  readonly inferenceMs: number;
}

export interface EmbedResult {
  readonly embeddings: readonly (readonly number[])[];
  readonly truncated: readonly boolean[];
  readonly inferenceMs: number;
}

export interface SimilarParams {
  readonly query: string;
  readonly texts: readonly string[];
  readonly progressId?: string;
}

export interface SimilarResult {
  /** Indices into `texts`, most similar first, with cosine similarity to the query. */
  readonly ranked: readonly { readonly index: number; readonly score: number }[];
}

export type ServerState = 'idle' | 'loading' | 'ready' | 'error';

export interface StatusResult {
  readonly state: ServerState;
  readonly model?: ModelInfo;
  readonly error?: string;
  readonly pid: number;
}

export type ProgressParams =
  | { readonly id: string; readonly kind: 'download'; readonly file: string; readonly bytesDone: number; readonly bytesTotal: number }
  | { readonly id: string; readonly kind: 'load'; readonly message: string }
  | { readonly id: string; readonly kind: 'batch'; readonly done: number; readonly total: number }
  | { readonly id: string; readonly kind: 'map'; readonly phase: 'embed' | 'project'; readonly done: number; readonly total: number };

/** What a sentence map shows: sentences the extension segmented, or a CSV file the server reads. */
export type MapSourceParams =
  | { readonly kind: 'texts'; readonly texts: readonly string[] }
  | { readonly kind: 'csv'; readonly path: string; readonly textColumn?: string };

export interface MapParams {
  readonly source: MapSourceParams;
  /** The projection's seed: the same seed and sentences give the same picture. */
  readonly seed?: number;
  /** When set, `progress` notifications `{ kind: 'map' }` come under this id. */
  readonly progressId?: string;
}

export const LoadModelRequest = new RequestType<LoadModelParams, ModelInfo, ErrorData>('sentenceLens/loadModel');
export const ClassifyRequest = new RequestType<TextsParams, ClassifyResult, ErrorData>('sentenceLens/classify');
export const EmbedRequest = new RequestType<TextsParams, EmbedResult, ErrorData>('sentenceLens/embed');
export const SimilarRequest = new RequestType<SimilarParams, SimilarResult, ErrorData>('sentenceLens/similar');
/** Embeds, classifies and projects to 2-D: the data of a sentence map. */
export const MapRequest = new RequestType<MapParams, SentenceMapData, ErrorData>('sentenceLens/map');
export const StatusRequest = new RequestType0<StatusResult, ErrorData>('sentenceLens/status');
/** Releases the model; the server exits once the reply is sent. */
export const ShutdownRequest = new RequestType0<void, ErrorData>('sentenceLens/shutdown');
/** Retrains the heads from the labels file (backbone frozen, pooled vectors cached) and puts them on top of the model. */
export const RetrainHeadsRequest = new RequestType<RetrainHeadsParams, RetrainHeadsResult, ErrorData>('sentenceLens/retrainHeads');
export const ProgressNotification = new NotificationType<ProgressParams>('sentenceLens/progress');

// ───────────────────────────── trainer ─────────────────────────────
// The extension ⇄ a trainer child process (dist/trainer.js, src/trainer). One process per
// training run, plus one for the training panel's questions about data and models (inspect a
// CSV, picture a model, check options, export). The run's process writes the run folder
// (src/runs/run-folder.ts) itself and sends each event it logs as a notification too; it keeps
// training if the extension goes away (a window reload), and a new window re-attaches by
// reading the folder.

export interface InspectCsvParams {
  readonly csv: string;
  readonly textColumn?: string;
  /** Task → column; absent: the engine's guess. */
  readonly tasks?: Readonly<Record<string, string>>;
}

export interface DescribeModelParams {
  /** Hub id, folder or checkpoint (expanded). */
  readonly model: string;
  /** The tasks the run will train, with their label counts (heads the model lacks are new). */
  readonly tasks: readonly { readonly name: string; readonly labels: number }[];
  readonly freeze: string;
  readonly frozenHeads: readonly string[];
  readonly lossWeights: Readonly<Record<string, number>>;
}

export interface CheckOptionsParams {
  readonly options: Readonly<Record<string, unknown>>;
}

export interface CheckOptionsResult {
  /** Option name → the engine's message; empty when every option is acceptable. */
  readonly errors: Readonly<Record<string, string>>;
  /** The options with the engine's defaults filled in, when they are acceptable. */
  readonly resolved?: Readonly<Record<string, unknown>>;
}

export interface ExportParams {
  readonly checkpoint: string;
  /** The .onnx file to write. */
  readonly out: string;
}

export interface StartRunParams {
  /** The run folder (created by the caller). */
  readonly runDir: string;
  readonly runId: string;
  /** A new run's options (out = runDir), or absent to resume the run in runDir from its `last`. */
  readonly options?: TrainOptions;
  /** Comparison labels saved in run.json. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly device?: DeviceSetting;
}

export interface RunEventParams {
  readonly runId: string;
  readonly entry: RunLogEntry;
}

export const InspectCsvRequest = new RequestType<InspectCsvParams, CsvInspection, ErrorData>('sentenceLens/trainer/inspectCsv');
export const DescribeModelRequest = new RequestType<DescribeModelParams, ModelPicture, ErrorData>('sentenceLens/trainer/describeModel');
export const CheckOptionsRequest = new RequestType<CheckOptionsParams, CheckOptionsResult, ErrorData>('sentenceLens/trainer/checkOptions');
/** Model ids with a complete snapshot in the Hugging Face cache. */
export const CachedModelsRequest = new RequestType0<readonly string[], ErrorData>('sentenceLens/trainer/cachedModels');
export const ExportRequest = new RequestType<ExportParams, { readonly onnx: string; readonly bytes: number }, ErrorData>('sentenceLens/trainer/export');
/** Starts (or resumes) the run; answers once it has started, then sends RunEventNotification. */
export const StartRunRequest = new RequestType<StartRunParams, { readonly pid: number }, ErrorData>('sentenceLens/trainer/startRun');
/** Ends the run after the step in progress, saving `last`; answers when the run has ended. */
export const StopRunRequest = new RequestType0<void, ErrorData>('sentenceLens/trainer/stopRun');
export const RunEventNotification = new NotificationType<RunEventParams>('sentenceLens/trainer/runEvent');
/**
 * The server's log is its stderr, one message a line, which the extension copies into its log.
 * Lines carrying this mark are detail (per-request figures) that the extension logs at debug level.
 */
export const DEBUG_MARK = '[debug] ';

export function isDebugLine(line: string): boolean {
  return line.includes(DEBUG_MARK);
}
