/**
 * The one contract between every webview and the extension: each message either side may post,
 * as a zod schema. Both sides validate what they receive against it (decodeMessage) and ignore,
 * with a log line, anything unknown or malformed, so a stale page after an update, or a page
 * that was tampered with, cannot make the host act on a message it does not understand.
 *
 * Sections: common (every view), the training panel, and the views added later (sentence map).
 * Imported by the extension host and by the browser bundles, so it imports only zod.
 */
import { z } from 'zod';

// Webviews run under a Content-Security-Policy without 'unsafe-eval': zod must not compile
// validators with new Function (its probe alone is reported as a CSP violation).
z.config({ jitless: true });

// ───────────────────────────── common ─────────────────────────────

/** What a webview tells the host for its log: page errors, CSP violations. */
export const WebviewLog = z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string().max(4000) });

/** The page has loaded its script and can receive messages. */
export const WebviewReady = z.object({ type: z.literal('ready') });

const finite = z.number().refine(Number.isFinite, 'a finite number');
/** A file the webview may name: confined to the workspace folders by the host (never trusted). */
const filePath = z.string().min(1).max(4096);

// ───────────────────────────── training panel ─────────────────────────────

export const FREEZE_KINDS = ['none', 'backbone', 'embeddings', 'bottom', 'all'] as const;
export const DEVICES = ['auto', 'cpu', 'webgpu', 'cuda'] as const;
export const POOLINGS = ['mean', 'cls'] as const;

/** Text files or folders one run adapts on: more is a folder's job. */
export const MAX_ADAPT_PATHS = 64;

export const TaskMapping = z.object({ name: z.string().min(1).max(200), column: z.string().max(500) });
export type TaskMapping = z.infer<typeof TaskMapping>;

/** Where the base model comes from. */
export const ModelSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offline') }),
  /** A Hugging Face id (downloaded into, or already in, the Hugging Face cache). */
  z.object({ kind: z.literal('hub'), id: z.string().min(1).max(200) }),
  z.object({ kind: z.literal('folder'), path: filePath }),
  /** An earlier run's checkpoint to continue from. */
  z.object({ kind: z.literal('checkpoint'), path: filePath }),
  /** What the user settings name (`sentenceLens.model`): the only choice in Restricted Mode. */
  z.object({ kind: z.literal('settings') }),
]);
export type ModelSource = z.infer<typeof ModelSource>;

/**
 * The panel's form: everything a run needs. Numbers are as typed; the engine's own checks
 * (resolveTrainOptions) decide the limits and word the messages.
 */
export const PanelOptions = z.object({
  csv: filePath,
  textColumn: z.string().max(500),
  tasks: z.array(TaskMapping).max(64),
  validation: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('split'), fraction: finite }),
    z.object({ kind: z.literal('file'), path: filePath }),
  ]),
  model: ModelSource,
  device: z.enum(DEVICES),
  pooling: z.enum(POOLINGS).optional(),
  freeze: z.object({ kind: z.enum(FREEZE_KINDS), bottomLayers: z.number().int().min(0).max(1000) }),
  frozenHeads: z.array(z.string().max(200)).max(64),
  lossWeights: z.record(z.string(), finite),
  layerLrDecay: finite,
  /** Epochs, unless maxSteps is set. */
  epochs: finite,
  maxSteps: finite.optional(),
  batchSize: finite,
  gradAccum: finite,
  lr: finite,
  decay: z.enum(['linear', 'cosine', 'constant']),
  warmup: finite,
  weightDecay: finite,
  optimizer: z.enum(['adamw', 'sgd']),
  maxGradNorm: finite,
  dropout: finite.optional(),
  maxLength: finite,
  seed: finite,
  patience: finite.optional(),
  /**
   * Domain adaptation: masked-LM pretraining on the workspace's own text (files or folders,
   * confined to the workspace by the host) before fine-tuning, for adaptEpochs epochs.
   */
  adaptFirst: z.boolean().optional(),
  adaptPaths: z.array(filePath).max(MAX_ADAPT_PATHS).optional(),
  adaptEpochs: finite.optional(),
});
export type PanelOptions = z.infer<typeof PanelOptions>;

/** A location in a file the panel can ask the host to open (engine errors: FILE:LINE:COLUMN). */
export const FileLocation = z.object({ file: filePath, line: z.number().int().min(1), column: z.number().int().min(1).optional() });
export type FileLocation = z.infer<typeof FileLocation>;

/** An error with, when it names one, the place in a file it is about. */
export const PanelError = z.object({ message: z.string(), location: FileLocation.optional() });
export type PanelError = z.infer<typeof PanelError>;

export const ColumnGuess = z.object({
  text: z.string(),
  tasks: z.array(TaskMapping),
  /** Columns left out, each with the reason (an id, one value, free text…). */
  excluded: z.array(z.object({ column: z.string(), reason: z.string() })),
});
export type ColumnGuess = z.infer<typeof ColumnGuess>;

/** A CSV as the panel shows it: first rows, the engine's guess, label counts per task. */
export const CsvInspection = z.object({
  csv: filePath,
  header: z.array(z.string()),
  preview: z.array(z.array(z.string())),
  rows: z.number().int().min(0),
  guess: ColumnGuess.nullable(),
  /** Task name → label → rows, for the mapping the request named (or the guess). */
  labelCounts: z.record(z.string(), z.record(z.string(), z.number().int())),
  warnings: z.array(PanelError),
  error: PanelError.optional(),
});
export type CsvInspection = z.infer<typeof CsvInspection>;

/** One block of the model picture: embeddings, each encoder layer, the pooler, each head. */
export const ModelBlock = z.object({
  key: z.string(),
  kind: z.enum(['embeddings', 'layer', 'pooler', 'head']),
  label: z.string(),
  params: z.number().int().min(0),
  trains: z.boolean(),
});
export type ModelBlock = z.infer<typeof ModelBlock>;

export const ModelPicture = z.object({
  numLayers: z.number().int().min(0),
  blocks: z.array(ModelBlock),
  trainable: z.number().int().min(0),
  total: z.number().int().min(0),
  /** The engine's one-line summary ("training 3 of 9 parameter groups, …"). */
  summary: z.string(),
});
export type ModelPicture = z.infer<typeof ModelPicture>;

/** A past or present run, as the runs list shows it. */
export const RunSummary = z.object({
  id: z.string(),
  dir: z.string(),
  created: z.string(),
  status: z.enum(['running', 'completed', 'early-stopped', 'cancelled', 'evaluated-only', 'failed', 'interrupted']),
  /** What differs between runs worth comparing: freeze, model, data, epochs, lr… */
  options: z.record(z.string(), z.string()),
  step: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  /** Best validation figures per task: accuracy and macro-F1. */
  best: z.record(z.string(), z.object({ accuracy: finite, macroF1: finite })),
  bestLoss: finite.nullable(),
  /** Checkpoint folders present. */
  checkpoints: z.array(z.enum(['best', 'last'])),
  active: z.boolean(),
  message: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** One line of a run's event log (what the trainer wrote), as the panel draws it. */
export const RunLogEntry = z.object({ seq: z.number().int().min(0), t: finite, event: z.record(z.string(), z.unknown()) });
export type RunLogEntry = z.infer<typeof RunLogEntry>;

export const CsvFile = z.object({ path: filePath, label: z.string() });

export const PanelInit = z.object({
  type: z.literal('init'),
  csvFiles: z.array(CsvFile),
  cachedModels: z.array(z.string()),
  restricted: z.boolean(),
  offlineAvailable: z.boolean(),
  settingsModel: z.string(),
  /** sentenceLens.device: where the panel trains unless the form says otherwise. */
  settingsDevice: z.enum(DEVICES),
  runs: z.array(RunSummary),
  runsFolder: z.string(),
  /** The engine's defaults for every option the form has. */
  defaults: z.record(z.string(), z.unknown()),
});

/** Messages from the training panel's page to the extension. */
export const PanelToHost = z.discriminatedUnion('type', [
  WebviewReady,
  WebviewLog,
  z.object({ type: z.literal('browseCsv'), purpose: z.enum(['train', 'validation']) }),
  z.object({ type: z.literal('browseModelFolder'), purpose: z.enum(['folder', 'checkpoint']) }),
  /** Pick workspace text to adapt on: files (several at once) or a folder. */
  z.object({ type: z.literal('browseAdaptText'), kind: z.enum(['files', 'folder']) }),
  /** Preview, guess and label counts for a CSV; `tasks` absent: use the engine's guess. */
  z.object({ type: z.literal('inspectCsv'), csv: filePath, textColumn: z.string().optional(), tasks: z.array(TaskMapping).optional() }),
  z.object({ type: z.literal('describeModel'), options: PanelOptions }),
  /** Asks the engine to check the form; the answer is `optionErrors`. */
  z.object({ type: z.literal('checkOptions'), options: PanelOptions }),
  z.object({ type: z.literal('openLocation'), location: FileLocation }),
  z.object({ type: z.literal('start'), options: PanelOptions }),
  z.object({ type: z.literal('stop'), runId: z.string() }),
  z.object({ type: z.literal('resume'), runId: z.string() }),
  z.object({ type: z.literal('showRun'), runId: z.string() }),
  z.object({ type: z.literal('runAction'), runId: z.string(), action: z.enum(['use', 'export', 'reveal', 'delete']) }),
]);
export type PanelToHost = z.infer<typeof PanelToHost>;

/** Messages from the extension to the training panel's page. */
export const HostToPanel = z.discriminatedUnion('type', [
  PanelInit,
  z.object({ type: z.literal('csvFiles'), files: z.array(CsvFile) }),
  /** A CSV chosen outside the page (Explorer menu, Browse): select it. */
  z.object({ type: z.literal('selectCsv'), purpose: z.enum(['train', 'validation']), path: filePath }),
  z.object({ type: z.literal('selectModelFolder'), purpose: z.enum(['folder', 'checkpoint']), path: filePath }),
  /** Workspace text chosen in the host's picker (already confined to the workspace): add it to the adaptation list. */
  z.object({ type: z.literal('addAdaptPaths'), paths: z.array(filePath).min(1).max(MAX_ADAPT_PATHS) }),
  z.object({ type: z.literal('inspection'), inspection: CsvInspection }),
  z.object({ type: z.literal('modelPicture'), picture: ModelPicture.nullable(), error: PanelError.optional() }),
  /** Field → the engine's message; empty when the form is valid. */
  z.object({ type: z.literal('optionErrors'), errors: z.record(z.string(), z.string()) }),
  z.object({ type: z.literal('runs'), runs: z.array(RunSummary) }),
  /** A run's whole history (reset) or what was appended since the last message. */
  z.object({ type: z.literal('runEvents'), runId: z.string(), reset: z.boolean(), entries: z.array(RunLogEntry) }),
  z.object({ type: z.literal('error'), error: PanelError }),
]);
export type HostToPanel = z.infer<typeof HostToPanel>;

/** What the panel saves with vscode.setState and the serializer gets back after a reload. */
export const PanelState = z.object({
  options: PanelOptions.partial().optional(),
  selectedRun: z.string().optional(),
  section: z.string().optional(),
});
export type PanelState = z.infer<typeof PanelState>;

// ───────────────────────────── sentence map (issue 16) ─────────────────────────────

/** At most this many points cross to the page (the server refuses more texts anyway). */
const MAX_POINTS = 20_000;
const index = z.number().int().min(-1).max(MAX_POINTS);

/** A sentence map's data (src/engine/map/map-data.ts's SentenceMapData), checked before drawing. */
export const MapData = z.object({
  texts: z.array(z.string()).max(MAX_POINTS),
  xy: z.array(finite).max(2 * MAX_POINTS),
  method: z.enum(['umap', 'pca']),
  params: z.record(z.string(), finite),
  tasks: z.array(z.object({ name: z.string(), labels: z.array(z.string()) })).max(64),
  values: z.record(z.string(), z.object({ predicted: z.array(index), probs: z.array(finite), gold: z.array(index).optional() })),
  lines: z.array(z.number().int().min(1)).optional(),
  notes: z.array(z.string()),
  timings: z.object({ embedMs: finite, projectMs: finite }),
});
export type MapData = z.infer<typeof MapData>;

/** What the map shows: the current (or a fixed) document, or a CSV file. */
export const MapSource = z.discriminatedUnion('kind', [
  /** `follow`: the map moves to whichever document the active editor shows. */
  z.object({ kind: z.literal('document'), uri: z.string().min(1).max(4096), follow: z.boolean() }),
  z.object({ kind: z.literal('csv'), path: filePath }),
]);
export type MapSource = z.infer<typeof MapSource>;

/** Messages from the map's page to the extension. */
export const MapToHost = z.discriminatedUnion('type', [
  WebviewReady,
  WebviewLog,
  /** A point was clicked: reveal its sentence (document) or row (CSV). */
  z.object({ type: z.literal('reveal'), point: z.number().int().min(0).max(MAX_POINTS) }),
  /** Map the source again (the document changed), optionally with another projection seed. */
  z.object({ type: z.literal('refresh'), seed: z.number().int().min(0).max(2 ** 31).optional() }),
  z.object({ type: z.literal('cancel') }),
  z.object({ type: z.literal('follow'), follow: z.boolean() }),
  /** The page's view choices, so a reload restores them. */
  z.object({ type: z.literal('viewChanged'), task: z.string().max(200).optional(), search: z.string().max(500).optional() }),
  /** "Label selected as…": the host asks for a label of `task` and writes the points' sentences to the labels file. */
  z.object({ type: z.literal('labelSelected'), task: z.string().min(1).max(200), points: z.array(z.number().int().min(0).max(MAX_POINTS)).min(1).max(MAX_POINTS) }),
]);
export type MapToHost = z.infer<typeof MapToHost>;

/** Messages from the extension to the map's page. */
export const HostToMap = z.discriminatedUnion('type', [
  /** Work under way: loading the model, embedding (batches) or projecting (epochs). */
  z.object({ type: z.literal('progress'), title: z.string(), phase: z.enum(['load', 'embed', 'project']), done: z.number().min(0), total: z.number().min(0) }),
  z.object({ type: z.literal('map'), source: MapSource, title: z.string(), data: MapData, task: z.string().optional(), search: z.string().optional() }),
  /** The point of the sentence at the editor's cursor, or none. */
  z.object({ type: z.literal('current'), point: z.number().int().min(0).max(MAX_POINTS).nullable() }),
  /** The map no longer matches the document (edited since): offer a refresh. */
  z.object({ type: z.literal('stale'), stale: z.boolean() }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('cancelled') }),
  /** The selection went to the labels file with this label; the heads are retraining. */
  z.object({ type: z.literal('labelled'), task: z.string(), label: z.string(), count: z.number().int().min(1) }),
  /** The same points classified again after the heads retrained: same layout, new colours. */
  z.object({ type: z.literal('recoloured'), data: MapData }),
]);
export type HostToMap = z.infer<typeof HostToMap>;

/** What the map page saves with vscode.setState; the host maps the same source again after a reload. */
export const MapState = z.object({
  source: MapSource.optional(),
  seed: z.number().int().min(0).optional(),
  task: z.string().max(200).optional(),
  search: z.string().max(500).optional(),
});
export type MapState = z.infer<typeof MapState>;

// ───────────────────────────── validation ─────────────────────────────

export type Decoded<T> = { ok: true; message: T } | { ok: false; why: string };

/**
 * Checks one incoming message against its view's schema. On failure, `why` names the message
 * type (when it has one) and the first problems, short enough for a log line.
 */
export function decodeMessage<T>(schema: z.ZodType<T>, raw: unknown): Decoded<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  const type = typeof raw === 'object' && raw !== null && 'type' in raw ? JSON.stringify((raw as { type: unknown }).type).slice(0, 80) : 'without a type';
  const problems = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ');
  return { ok: false, why: `message ${type}: ${problems}` };
}
