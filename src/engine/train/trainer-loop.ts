/**
 * The optimisation loop of a run, in named phases over one LoopState:
 *   planLoop        the schedule, optimizer and counters (fresh, or from a resumed state)
 *   runLoop         steps until the planned total, early stopping or cancellation
 *   trainStep       one optimizer step over gradAccum micro-batches
 *   afterStep       loss log, progress, periodic evaluation, the end of an epoch
 *   evaluateNow     validation, best checkpoint, early-stopping bookkeeping
 *   saveCheckpoint  best (weights) or last (weights + training state)
 *   finishLoop      the final evaluation and save, and the run's result
 */
import { join } from 'node:path';
import { collate, epochBatches, type Example } from '../data/dataset.js';
import { dropoutSeed } from '../graph/ops/dropout.js';
import { evaluateExamples, type EvalReport } from './evaluate.js';
import type { OptimizerState } from './optimizer.js';
import { LrSchedule } from './schedule.js';
import type { StepEngine } from './step-engine.js';
import { saveRunCheckpoint } from './trainer-checkpoint.js';
import type { ResolvedTrainOptions } from './trainer-options.js';
import type { RunReporter } from './trainer-report.js';
import type { RunSetup } from './trainer-setup.js';
import { type EvalRecord, STATE_FORMAT, type TrainingStateJson, type TrainLossRecord } from './training-state.js';

export type RunStatus = 'completed' | 'early-stopped' | 'cancelled';

/** What the loop works with and never changes. */
export interface LoopContext {
  readonly o: ResolvedTrainOptions;
  readonly setup: RunSetup;
  /** Runs steps (and evaluations) and owns the optimizer: on the host, or on the GPU (step-engine.ts). */
  readonly engine: StepEngine;
  readonly report: RunReporter;
  readonly signal?: AbortSignal;
  readonly fingerprint: string;
}

/** The loop's fixed plan, made once per run. */
interface LoopPlan extends LoopContext {
  readonly stepsPerEpoch: number;
  readonly schedule: LrSchedule;
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
export class LossWindow {
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
    private readonly o: Pick<ResolvedTrainOptions, 'batchSize' | 'seed' | 'shuffle'>,
  ) {}

  of(epoch: number): number[][] {
    if (this.epoch !== epoch) {
      this.batches = epochBatches(this.lengths, this.o.batchSize, { seed: this.o.seed, epoch, shuffle: this.o.shuffle });
      this.epoch = epoch;
    }
    return this.batches;
  }
}

/** Evaluates `examples` with progress events (phase 'evaluating'). */
export function evaluateWithProgress(ctx: LoopContext, examples: readonly Example[], split: 'train' | 'val'): Promise<EvalReport> {
  const { o, setup, engine, report } = ctx;
  report.progress('evaluating', { done: 0, total: examples.length });
  return evaluateExamples(engine, examples, setup.tasks, {
    batchSize: o.batchSize, padId: setup.model.tokenizer.padId, lossWeights: o.lossWeights, split,
    onProgress: (done, total) => report.progress('evaluating', { done, total }),
  });
}

/** Sets the run's length on the reporter's position and builds the plan and state (resumed from `resumed` when given). */
export function planLoop(ctx: LoopContext, resumed?: { json: TrainingStateJson; optimizer: OptimizerState }): { plan: LoopPlan; state: LoopState } {
  const { o, setup, report } = ctx;
  const train = setup.dataset.train;
  const at = report.position;
  const saved = resumed?.json;
  const stepsPerEpoch = Math.ceil(Math.ceil(train.length / o.batchSize) / o.gradAccum);
  at.totalSteps = saved?.totalSteps ?? o.maxSteps ?? o.epochs * stepsPerEpoch;
  at.epochs = o.maxSteps !== undefined ? Math.ceil(at.totalSteps / stepsPerEpoch) : o.epochs;
  const plan: LoopPlan = {
    ...ctx,
    stepsPerEpoch,
    schedule: new LrSchedule({ baseLr: o.lr, totalSteps: at.totalSteps, decay: o.decay, warmup: o.warmup >= 1 ? { steps: o.warmup } : { fraction: o.warmup } }),
    outDirs: { best: join(o.out, 'best'), last: join(o.out, 'last') },
    logEvery: Math.max(1, Math.ceil(at.totalSteps / 200)),
    order: new EpochOrder(train.map((e) => e.ids.length), o),
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
  if (plan.setup.dataset.val.length === 0) plan.report.message('info', 'no validation rows: no evaluation, best checkpoint or early stopping');
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
  const { o, setup, engine, report } = plan;
  const at = report.position;
  const names = setup.tasks.map((t) => t.name);
  const window = plan.order.of(at.epoch).slice(state.batchInEpoch, state.batchInEpoch + o.gradAccum);
  const t0 = performance.now();
  const batches = window.map((indices) => ({ data: collate(setup.dataset.train, indices, names, setup.model.tokenizer.padId), indices, split: 'train' as const }));
  const seeds = window.map((_, i) => dropoutSeed(o.seed, at.step * o.gradAccum + i));
  const lr = plan.schedule.lrAt(at.step);
  const { loss, losses } = await engine.step(batches, seeds, lr);
  for (const indices of window) state.examplesDone += indices.length;
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
  if (state.batchInEpoch >= plan.order.of(at.epoch).length) {
    if (state.lastEvalStep !== at.step && state.status === 'completed') await evaluateNow(plan, state);
    at.epoch++;
    state.batchInEpoch = 0;
    await saveCheckpoint(plan, state, 'last');
  }
}

/** Validation: records the report, saves `best` when the loss improved, counts evaluations without improvement. */
async function evaluateNow(plan: LoopPlan, state: LoopState): Promise<void> {
  const { o, setup, report } = plan;
  const { step, epoch } = report.position;
  state.lastEvalStep = step;
  if (setup.dataset.val.length === 0) return;
  const result = await evaluateWithProgress(plan, setup.dataset.val, 'val');
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
  // On the GPU path the weights and moments come down from the device here, and only here.
  await plan.engine.syncWeights();
  const optimizer = kind === 'last' ? await plan.engine.optimizerState() : undefined;
  await saveRunCheckpoint(dir, plan.setup, optimizer ? { json: stateJson(plan, state, optimizer), optimizer } : undefined);
  const step = report.position.step;
  report.emit({ type: 'checkpoint', kind, dir, step });
  if (kind === 'last') state.lastSaved = { dir, step };
}

/** Everything a resume needs besides the weights and the optimizer's tensors (training-state.ts). */
function stateJson(plan: LoopPlan, state: LoopState, optimizer: OptimizerState): TrainingStateJson {
  const { o, setup, schedule, report } = plan;
  const { step, epoch, totalSteps } = report.position;
  const { dataset } = setup;
  return {
    format: STATE_FORMAT, options: o, position: { step, epoch, batchInEpoch: state.batchInEpoch }, totalSteps, stepsPerEpoch: plan.stepsPerEpoch,
    schedule: { baseLr: schedule.baseLr, totalSteps, warmupSteps: schedule.warmupSteps, decay: schedule.decay },
    rng: { seed: o.seed, dropout: 'dropoutSeed(seed, step * gradAccum + microBatch)', batchOrder: 'epochSeed(seed, epoch)' },
    data: { trainCsv: o.csv, valCsv: o.val, trainLines: dataset.train.map((e) => e.line), valLines: dataset.val.map((e) => e.line), fingerprint: plan.fingerprint },
    tasks: dataset.tasks.map((t) => ({ name: t.name, column: t.column, labels: t.labels })),
    history: { evals: state.evals, train: state.trainLog }, earlyStopping: { ...state.early }, elapsedSeconds: report.elapsed(),
    optimizer: optimizer.json,
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
