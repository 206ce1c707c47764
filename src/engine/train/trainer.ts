/**
 * A training run, in phases: openRun (new options, or a resumed run's saved state), prepareRun
 * (model, data, heads, parameters: trainer-setup.ts), reportSetup (what the data and freeze
 * policy mean), createRunner (full graph, or the heads-only fast path for a frozen backbone),
 * then either evaluateOnly (nothing trains) or the optimisation loop (trainer-loop.ts: epochs
 * or max steps of seeded, length-bucketed batches, AdamW/SGD with warmup and decay, clipping,
 * accumulation and layer-wise LR; evaluation each epoch and every N steps, early stopping,
 * best and last checkpoints with the training state, exact resume, cancellation that finishes
 * the step and saves). Result and events are plain JSON.
 */
import { SentenceLensError } from '../errors.js';
import type { DownloadOptions } from '../hub.js';
import { chooseDevice, type DeviceChoice } from '../runtime/device.js';
import type { EvalReport } from './evaluate.js';
import { EventThrottle, type TrainEvent } from './events.js';
import type { PooledCache } from './pooled-cache.js';
import { createFullGraphRunner, type StepRunner } from './step-runner.js';
import { createHeadsOnlyRunner } from './heads-runner.js';
import { adaptBackbone } from './adapt.js';
import { evaluateWithProgress, fineTuneData } from './finetune-data.js';
import { planLoop, runLoop } from './trainer-loop.js';
import { PAIR_DEFAULTS, resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './trainer-options.js';
import { RunReporter } from './trainer-report.js';
import { prepareRun, type RunSetup } from './trainer-setup.js';
import type { OptimizerState } from './optimizer.js';
import { dataFingerprint, type EvalRecord, readTrainingState, resumeCheckpointDir, type TrainingStateJson, type TrainLossRecord } from './training-state.js';

export interface TrainContext {
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
  /** Hub download settings for a hub model id (not saved in the state). */
  readonly download?: DownloadOptions;
  /** Minimum time between progress events (default 250 ms). */
  readonly progressIntervalMs?: number;
  /**
   * The pooled vectors of the heads-only fast path; pass one to share embeddings between runs
   * in one process (a server retraining heads). Default: a fresh cache for this run.
   */
  readonly pooledCache?: PooledCache;
}

export interface TrainResult {
  readonly status: 'completed' | 'early-stopped' | 'cancelled' | 'evaluated-only';
  readonly message?: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly epochs: number;
  readonly device: string;
  readonly runner: StepRunner['kind'];
  readonly freeze: string;
  readonly trainExamples: number;
  readonly valExamples: number;
  /** The last evaluation (validation set; the whole data for an evaluation-only run). */
  readonly metrics: EvalReport | null;
  readonly best: { readonly dir: string; readonly step: number; readonly loss: number } | null;
  readonly last: { readonly dir: string; readonly step: number } | null;
  readonly history: { readonly evals: EvalRecord[]; readonly train: TrainLossRecord[] };
  readonly warnings: number;
  readonly skipped: number;
  readonly elapsedSeconds: number;
}

export type ResumeOptions = { resume: string; device?: TrainOptions['device']; out?: string };

/** A resumed run's checkpoint folder, saved state and optimizer tensors. */
interface Resumed {
  readonly dir: string;
  readonly json: TrainingStateJson;
  readonly optimizer: OptimizerState;
}

/** Starts a run, or resumes one when `resume` names a run folder or its last checkpoint. */
export async function train(options: TrainOptions | ResumeOptions, ctx: TrainContext = {}): Promise<TrainResult> {
  const { o, resumed } = await openRun(options);
  const report = new RunReporter(new EventThrottle(ctx.onEvent, ctx.progressIntervalMs), resumed?.json.elapsedSeconds ?? 0, {
    step: resumed?.json.position.step ?? 0, epoch: resumed?.json.position.epoch ?? 0, epochs: o.epochs, totalSteps: 0,
  });
  // A resumed run continues from its checkpoint, which already holds the adapted backbone.
  const adapted = o.adapt && !resumed ? await adaptBackbone({ ...o, adapt: o.adapt }, report, ctx) : undefined;
  report.progress('tokenizing');
  const setup = await prepareRun(o, { modelDir: resumed?.dir ?? adapted, state: resumed?.json }, ctx.download ?? {});
  const fingerprint = reportSetup(setup, report, resumed?.json);
  const device = await chooseDevice(o.device);
  for (const f of device.fallbacks) report.message('info', `device fallback: ${f}`);
  const runner = await createRunner(setup, device, report, ctx);
  const base = resultBase(setup, device, runner);
  try {
    if (setup.nothingToTrain) return await evaluateOnly(setup, runner, report, setup.nothingToTrain, base);
    const data = fineTuneData(setup, runner, report, fingerprint);
    const { plan, state } = planLoop({ o, params: setup.params, numLayers: setup.model.config.numLayers, data, report, signal: ctx.signal }, resumed);
    const outcome = await runLoop(plan, state);
    await report.flush();
    const { step, totalSteps, epoch, epochs } = report.position;
    return { ...base, ...outcome, step, totalSteps, epoch, epochs, elapsedSeconds: report.elapsed() };
  } finally {
    await runner.release();
  }
}

/** The run's options: checked and defaulted, or (resuming) those saved with the state, with a new device or output folder. */
async function openRun(options: TrainOptions | ResumeOptions): Promise<{ o: ResolvedTrainOptions; resumed?: Resumed }> {
  if (!('resume' in options)) return { o: resolveTrainOptions(options) };
  const dir = resumeCheckpointDir(options.resume);
  const { json, optimizer } = await readTrainingState(dir);
  if (json.kind === 'pretrain') {
    throw new SentenceLensError('BAD_ARGUMENT', `${dir}: this is a pretraining run; resume it with "sentence-lens pretrain --resume", or fine-tune its checkpoint with --model ${dir}`);
  }
  const o = { ...json.options, ...(options.device ? { device: options.device } : {}), ...(options.out ? { out: options.out } : {}) };
  return { o, resumed: { dir, json, optimizer } };
}

/** Tells the caller about the data's warnings and skipped rows and the freeze policy; returns the data's fingerprint. */
function reportSetup(setup: RunSetup, report: RunReporter, saved: TrainingStateJson | undefined): string {
  const { dataset } = setup;
  for (const w of dataset.warnings) report.message('warning', w.message);
  for (const w of dataset.skipped) report.message('warning', `skipped: ${w.message}`);
  report.message('info', setup.freezeDescription);
  const fingerprint = dataFingerprint([dataset.train, dataset.val]);
  if (saved && saved.data.fingerprint !== fingerprint) {
    report.message('warning', `${setup.options.csv}: the rows differ from those the interrupted run trained on (same lines, changed text or labels); the resumed run will not match an uninterrupted one`);
  }
  return fingerprint;
}

async function createRunner(setup: RunSetup, device: DeviceChoice, report: RunReporter, ctx: TrainContext): Promise<StepRunner> {
  const { options: o, model, params, tasks, dataset } = setup;
  const dropout = o.dropout === 0 || (model.config.hiddenDropout === 0 && model.config.attentionDropout === 0) ? undefined : { rate: o.dropout };
  const pairs = setup.pairs ? { weight: o.pairWeight ?? PAIR_DEFAULTS.pairWeight, scale: o.pairScale ?? PAIR_DEFAULTS.pairScale } : undefined;
  const runnerOptions = { config: model.config, params, tasks, pooling: setup.pooling, lossWeights: o.lossWeights, dropout, device: device.device, pairs };
  // A frozen backbone never changes a sentence's pooled vector: embed once, train the heads alone.
  if (setup.trainsBackbone || setup.nothingToTrain) return createFullGraphRunner(runnerOptions, setup.shapes);
  return createHeadsOnlyRunner({
    ...runnerOptions, model, examples: dataset, maxLength: o.maxLength, batchSize: o.batchSize, signal: ctx.signal, cache: ctx.pooledCache,
    onProgress: (done, total) => report.progress('embedding', { done, total }),
  }, setup.shapes);
}

type ResultBase = Pick<TrainResult, 'device' | 'runner' | 'freeze' | 'trainExamples' | 'valExamples' | 'warnings' | 'skipped'>;

function resultBase(setup: RunSetup, device: DeviceChoice, runner: StepRunner): ResultBase {
  const { dataset } = setup;
  return {
    device: device.device, runner: runner.kind, freeze: setup.options.freeze, trainExamples: dataset.train.length, valExamples: dataset.val.length,
    warnings: dataset.warnings.length, skipped: dataset.skipped.length,
  };
}

/** Nothing trains: one evaluation (of the validation file when there is one, else of every row), said plainly. */
async function evaluateOnly(setup: RunSetup, runner: StepRunner, report: RunReporter, why: string, base: ResultBase): Promise<TrainResult> {
  const { dataset, options: o } = setup;
  report.message('info', why);
  const all = dataset.val.length > 0 && o.val !== undefined ? dataset.val : [...dataset.train, ...dataset.val];
  const metrics = await evaluateWithProgress(setup, runner, report, all, 'val');
  report.emit({ type: 'evaluation', step: 0, epoch: 0, report: metrics, improved: false });
  await report.flush();
  return {
    ...base, status: 'evaluated-only', message: why, step: 0, totalSteps: 0, epoch: 0, epochs: 0, metrics, best: null, last: null,
    history: { evals: [{ step: 0, epoch: 0, report: metrics }], train: [] }, elapsedSeconds: report.elapsed(),
  };
}

export type { RunSetup };
