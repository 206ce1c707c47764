/**
 * The optimisation loop of a run, in named phases over one LoopState:
 *   planLoop        the schedule, optimizer and counters (fresh, or from a resumed state)
 *   runLoop         steps until the planned total, early stopping or cancellation
 *   trainStep       one optimizer step over gradAccum micro-batches
 *   afterStep       loss log, progress, periodic evaluation, the end of an epoch
 *   evaluateNow     validation, best checkpoint, early-stopping bookkeeping
 *   saveCheckpoint  best (weights) or last (weights + training state)
 *   finishLoop      the final evaluation and save, and the run's result
 * What is trained on is behind LoopData: fine-tuning's labelled rows (finetune-data.ts) or
 * masked-LM pretraining's packed sequences (pretrain/pretrain-data.ts); the loop itself, its
 * schedule, optimizer, accumulation, clipping, evaluation, checkpoints and resume, is shared.
 */
import { join } from 'node:path';
import { epochBatches } from '../data/dataset.js';
import { dropoutSeed } from '../graph/ops/dropout.js';
import { GradAccumulator } from './accumulate.js';
import type { EvalReport } from './evaluate.js';
import { createOptimizer, layerwiseLrDecay, type Optimizer, type OptimizerState, restoreOptimizer } from './optimizer.js';
import { LrSchedule } from './schedule.js';
import { applyUpdate, type ParameterSet } from './step.js';
import type { ResolvedTrainOptions } from './trainer-options.js';
import type { RunReporter } from './trainer-report.js';
import { type EvalRecord, STATE_FORMAT, type TrainingStateJson, type TrainLossRecord } from './training-state.js';

export type RunStatus = 'completed' | 'early-stopped' | 'cancelled';

/** The options the loop reads (fine-tuning's and pretraining's options both have them). */
export type LoopOptions = Pick<ResolvedTrainOptions,
  'batchSize' | 'gradAccum' | 'maxSteps' | 'epochs' | 'lr' | 'decay' | 'warmup' | 'optimizer' | 'weightDecay' | 'layerLrDecay' |
  'seed' | 'shuffle' | 'out' | 'maxGradNorm' | 'evalEvery' | 'patience'> & {
    /** Also write `last` (with the training state) every N steps, so a killed run loses at most N steps. */
    readonly saveEvery?: number;
  };

/** The training state the loop writes; the data adds its own options, data and tasks (see LoopData.save). */
export type LoopStateJson = Omit<TrainingStateJson, 'options' | 'data' | 'tasks'>;

/** What a run trains on. */
export interface LoopData {
  /** Each training example's length in tokens: batches are length-bucketed by it. */
  readonly trainLengths: readonly number[];
  /** Whether there is anything to validate on (else: no evaluation, best checkpoint or early stopping). */
  readonly hasValidation: boolean;
  /** Forward and backward over the training examples at `indices` (their order in `trainLengths`). */
  step(indices: readonly number[], epoch: number, dropoutSeed: bigint): Promise<{ loss: number; losses: Record<string, number>; grads: Map<string, Float32Array> }>;
  /** Validation; early stopping and the best checkpoint watch its `loss`. */
  evaluate(): Promise<EvalReport>;
  /** Writes a checkpoint; `last` also carries the training state (the loop's part, to which the data adds its own). */
  save(dir: string, state?: { json: LoopStateJson; optimizer: OptimizerState }): Promise<void>;
}

/** What the loop works with and never changes. */
export interface LoopContext {
  readonly o: LoopOptions;
  /** The tensors the optimizer updates in place (the trainable ones). */
  readonly params: ParameterSet;
  /** Encoder layers, for layer-wise learning-rate decay. */
  readonly numLayers: number;
  readonly data: LoopData;
  readonly report: RunReporter;
  readonly signal?: AbortSignal;
}

/** The loop's fixed plan, made once per run. */
interface LoopPlan extends LoopContext {
  readonly stepsPerEpoch: number;
  readonly schedule: LrSchedule;
  readonly optimizer: Optimizer;
  readonly lrMultiplier?: (name: string) => number;
  readonly accumulator?: GradAccumulator;
  readonly outDirs: { readonly best: string; readonly last: string };
  /** Steps per entry of the training-loss history (about 200 entries per run). */
  readonly logEvery: number;
  readonly order: EpochOrder;
  /** The step this process started at (0, or where a resumed run left off). */
  readonly startStep: number;
}

/** What the loop changes as it goes. */
interface LoopState {
  batchInEpoch: number;
  readonly evals: EvalRecord[];
  readonly trainLog: TrainLossRecord[];
  readonly early: { bestLoss: number | null; bestStep: number | null; badEvals: number };
  lastEvalStep: number;
  lastSaved: { dir: string; step: number } | null;
  status: RunStatus;
  /** Losses since the last history entry, and since the last progress event. */
  logWindow: LossWindow;
  eventWindow: LossWindow;
  examplesDone: number;
  trainSeconds: number;
}

export interface LoopResult {
  readonly status: RunStatus;
  readonly message?: string;
  readonly metrics: EvalReport | null;
  readonly best: { readonly dir: string; readonly step: number; readonly loss: number } | null;
  readonly last: { readonly dir: string; readonly step: number } | null;
  readonly history: { readonly evals: EvalRecord[]; readonly train: TrainLossRecord[] };
}

/** Mean losses over a window of steps. */
class LossWindow {
  n = 0;
  private loss = 0;
  private readonly losses: Record<string, number> = {};

  add(loss: number, losses: Record<string, number>): void {
    this.n++;
    this.loss += loss;
    for (const [t, l] of Object.entries(losses)) this.losses[t] = (this.losses[t] ?? 0) + l;
  }

  mean(): { loss: number; losses: Record<string, number> } {
    return { loss: this.loss / this.n, losses: Object.fromEntries(Object.entries(this.losses).map(([t, l]) => [t, l / this.n])) };
  }
}

/** The batches of an epoch (seeded order), computed once per epoch. */
class EpochOrder {
  private epoch = -1;
  private batches: number[][] = [];

  constructor(
    private readonly lengths: readonly number[],
    private readonly o: Pick<LoopOptions, 'batchSize' | 'seed' | 'shuffle'>,
  ) {}

  of(epoch: number): number[][] {
    if (this.epoch !== epoch) {
      this.batches = epochBatches(this.lengths, this.o.batchSize, { seed: this.o.seed, epoch, shuffle: this.o.shuffle });
      this.epoch = epoch;
    }
    return this.batches;
  }
}

/** Sets the run's length on the reporter's position and builds the plan and state (resumed from `resumed` when given). */
export function planLoop(ctx: LoopContext, resumed?: { json: LoopStateJson; optimizer: OptimizerState }): { plan: LoopPlan; state: LoopState } {
  const { o, data, report } = ctx;
  const at = report.position;
  const saved = resumed?.json;
  const stepsPerEpoch = Math.ceil(Math.ceil(data.trainLengths.length / o.batchSize) / o.gradAccum);
  at.totalSteps = saved?.totalSteps ?? o.maxSteps ?? o.epochs * stepsPerEpoch;
  at.epochs = o.maxSteps !== undefined ? Math.ceil(at.totalSteps / stepsPerEpoch) : o.epochs;
  const plan: LoopPlan = {
    ...ctx,
    stepsPerEpoch,
    schedule: new LrSchedule({ baseLr: o.lr, totalSteps: at.totalSteps, decay: o.decay, warmup: o.warmup >= 1 ? { steps: o.warmup } : { fraction: o.warmup } }),
    optimizer: resumed
      ? restoreOptimizer(resumed.optimizer)
      : createOptimizer(o.optimizer === 'adamw' ? { kind: 'adamw', weightDecay: o.weightDecay } : { kind: 'sgd', weightDecay: o.weightDecay }),
    lrMultiplier: o.layerLrDecay !== 1 ? layerwiseLrDecay(ctx.numLayers, o.layerLrDecay) : undefined,
    accumulator: o.gradAccum > 1 ? new GradAccumulator('mean') : undefined,
    outDirs: { best: join(o.out, 'best'), last: join(o.out, 'last') },
    logEvery: Math.max(1, Math.ceil(at.totalSteps / 200)),
    order: new EpochOrder(data.trainLengths, o),
    startStep: at.step,
  };
  const evals = [...(saved?.history.evals ?? [])];
  const state: LoopState = {
    batchInEpoch: saved?.position.batchInEpoch ?? 0,
    evals,
    trainLog: [...(saved?.history.train ?? [])],
    early: { bestLoss: saved?.earlyStopping.bestLoss ?? null, bestStep: saved?.earlyStopping.bestStep ?? null, badEvals: saved?.earlyStopping.badEvals ?? 0 },
    lastEvalStep: evals.at(-1)?.step ?? -1,
    lastSaved: null,
    status: 'completed',
    logWindow: new LossWindow(),
    eventWindow: new LossWindow(),
    examplesDone: 0,
    trainSeconds: 0,
  };
  return { plan, state };
}

/** Steps until the planned total, early stopping or cancellation; then the final evaluation and save. */
export async function runLoop(plan: LoopPlan, state: LoopState): Promise<LoopResult> {
  const at = plan.report.position;
  if (!plan.data.hasValidation) plan.report.message('info', 'no validation rows: no evaluation, best checkpoint or early stopping');
  while (at.step < at.totalSteps && state.status === 'completed') {
    if (plan.signal?.aborted) {
      state.status = 'cancelled';
      break;
    }
    const { loss, losses, lr } = await trainStep(plan, state);
    await afterStep(plan, state, loss, losses, lr);
  }
  return finishLoop(plan, state);
}

/** One optimizer step: gradAccum micro-batches forward and backward, then the update. */
async function trainStep(plan: LoopPlan, state: LoopState): Promise<{ loss: number; losses: Record<string, number>; lr: number }> {
  const { o, data, report } = plan;
  const at = report.position;
  const window = plan.order.of(at.epoch).slice(state.batchInEpoch, state.batchInEpoch + o.gradAccum);
  const t0 = performance.now();
  const grads = [];
  let loss = 0;
  const losses: Record<string, number> = {};
  for (const [i, indices] of window.entries()) {
    const out = await data.step(indices, at.epoch, dropoutSeed(o.seed, at.step * o.gradAccum + i));
    grads.push(out.grads);
    loss += out.loss / window.length;
    for (const [t, l] of Object.entries(out.losses)) losses[t] = (losses[t] ?? 0) + l / window.length;
    state.examplesDone += indices.length;
  }
  const lr = plan.schedule.lrAt(at.step);
  applyUpdate(plan.params, grads, plan.optimizer, lr, { maxGradNorm: o.maxGradNorm > 0 ? o.maxGradNorm : undefined, lrMultiplier: plan.lrMultiplier, accumulator: plan.accumulator });
  at.step++;
  state.batchInEpoch += window.length;
  state.trainSeconds += (performance.now() - t0) / 1000;
  return { loss, losses, lr };
}

/** The bookkeeping after a step: loss history, a progress event, evaluation every N steps, the epoch's end. */
async function afterStep(plan: LoopPlan, state: LoopState, loss: number, losses: Record<string, number>, lr: number): Promise<void> {
  const { o, report } = plan;
  const at = report.position;
  state.logWindow.add(loss, losses);
  state.eventWindow.add(loss, losses);
  if (state.logWindow.n >= plan.logEvery) {
    state.trainLog.push({ step: at.step, ...state.logWindow.mean() });
    state.logWindow = new LossWindow();
  }
  if (report.progressDue()) {
    const perStep = state.trainSeconds / Math.max(1, at.step - plan.startStep);
    report.progress('training', {
      ...state.eventWindow.mean(), lr, examplesPerSecond: state.examplesDone / Math.max(1e-9, state.trainSeconds), etaSeconds: perStep * (at.totalSteps - at.step),
    });
    state.eventWindow = new LossWindow();
  }
  if (o.evalEvery > 0 && at.step % o.evalEvery === 0) await evaluateNow(plan, state);
  const epochEnds = state.batchInEpoch >= plan.order.of(at.epoch).length;
  if (o.saveEvery && at.step % o.saveEvery === 0 && at.step < at.totalSteps && !epochEnds) await saveCheckpoint(plan, state, 'last');
  if (epochEnds) {
    if (state.lastEvalStep !== at.step && state.status === 'completed') await evaluateNow(plan, state);
    at.epoch++;
    state.batchInEpoch = 0;
    await saveCheckpoint(plan, state, 'last');
  }
}

/** Validation: records the report, saves `best` when the loss improved, counts evaluations without improvement. */
async function evaluateNow(plan: LoopPlan, state: LoopState): Promise<void> {
  const { o, data, report } = plan;
  const { step, epoch } = report.position;
  state.lastEvalStep = step;
  if (!data.hasValidation) return;
  const result = await data.evaluate();
  state.evals.push({ step, epoch, report: result });
  const early = state.early;
  const improved = early.bestLoss === null || result.loss < early.bestLoss;
  if (improved) {
    early.bestLoss = result.loss;
    early.bestStep = step;
    early.badEvals = 0;
  } else early.badEvals++;
  report.emit({ type: 'evaluation', step, epoch, report: result, improved });
  if (improved) await saveCheckpoint(plan, state, 'best');
  if (o.patience !== undefined && early.badEvals >= o.patience) state.status = 'early-stopped';
}

async function saveCheckpoint(plan: LoopPlan, state: LoopState, kind: 'best' | 'last'): Promise<void> {
  const { report } = plan;
  report.progress('saving');
  const dir = plan.outDirs[kind];
  await plan.data.save(dir, kind === 'last' ? { json: stateJson(plan, state), optimizer: plan.optimizer.state() } : undefined);
  const step = report.position.step;
  report.emit({ type: 'checkpoint', kind, dir, step });
  if (kind === 'last') state.lastSaved = { dir, step };
}

/** The loop's part of what a resume needs besides the weights and the optimizer's tensors (training-state.ts). */
function stateJson(plan: LoopPlan, state: LoopState): LoopStateJson {
  const { o, schedule, report } = plan;
  const { step, epoch, totalSteps } = report.position;
  return {
    format: STATE_FORMAT, position: { step, epoch, batchInEpoch: state.batchInEpoch }, totalSteps, stepsPerEpoch: plan.stepsPerEpoch,
    schedule: { baseLr: schedule.baseLr, totalSteps, warmupSteps: schedule.warmupSteps, decay: schedule.decay },
    rng: { seed: o.seed, dropout: 'dropoutSeed(seed, step * gradAccum + microBatch)', batchOrder: 'epochSeed(seed, epoch)' },
    history: { evals: state.evals, train: state.trainLog }, earlyStopping: { ...state.early }, elapsedSeconds: report.elapsed(),
    optimizer: plan.optimizer.state().json,
  };
}

/** The last history entry, a final evaluation and `last` checkpoint where the loop did not just make them, and the outcome. */
async function finishLoop(plan: LoopPlan, state: LoopState): Promise<LoopResult> {
  const { o, report } = plan;
  const { step, totalSteps } = report.position;
  if (state.logWindow.n > 0) state.trainLog.push({ step, ...state.logWindow.mean() });
  if (state.status === 'completed' && state.lastEvalStep !== step) await evaluateNow(plan, state);
  // An epoch end may just have saved this very state.
  if (state.lastSaved?.step !== step) await saveCheckpoint(plan, state, 'last');
  const { status, early } = state;
  const message = status === 'cancelled' ? `cancelled after step ${step} of ${totalSteps}; resume with --resume ${o.out}`
    : status === 'early-stopped' ? `early stopping: validation loss did not improve for ${o.patience} evaluations (best at step ${early.bestStep})` : undefined;
  if (message) report.message('info', message);
  report.progress(status === 'cancelled' ? 'saving' : 'training');
  return {
    status, ...(message ? { message } : {}),
    metrics: state.evals.at(-1)?.report ?? null,
    best: early.bestStep !== null && early.bestLoss !== null ? { dir: plan.outDirs.best, step: early.bestStep, loss: early.bestLoss } : null,
    last: state.lastSaved,
    history: { evals: state.evals, train: state.trainLog },
  };
}
