/**
 * The optimisation loop of a run, in named phases over one LoopState:
 *   planLoop        the schedule and counters (fresh, or from a resumed state)
 *   runLoop         steps until the planned total, early stopping or cancellation
 *   trainStep       one optimizer step over gradAccum micro-batches (run by the engine)
 *   afterStep       loss log, progress, periodic evaluation, the end of an epoch
 *   evaluateNow     validation, best checkpoint, early-stopping bookkeeping
 *   saveCheckpoint  best (weights) or last (weights + training state)
 *   finishLoop      the final evaluation and save, and the run's result
 * Two parts stand behind interfaces, so fine-tuning and masked-LM pretraining share this loop:
 *  - LoopData<B>: what is trained on — fine-tuning's labelled rows (finetune-data.ts) or
 *    pretraining's packed, masked sequences (pretrain/pretrain-data.ts): the batches, the
 *    validation, and the checkpoints with the data's part of the training state;
 *  - StepEngine<B>: what runs a step and owns the optimizer (step-engine.ts) — on the host, or
 *    with weights and moments resident on the GPU, which the loop brings back only to save.
 * The schedule, history, progress, evaluation cadence, early stopping and resume are the loop's.
 */
import { join } from 'node:path';
import { epochBatches } from '../data/dataset.js';
import { dropoutSeed } from '../graph/ops/dropout.js';
import type { EvalReport } from './evaluate.js';
import type { OptimizerState } from './optimizer.js';
import { LrSchedule } from './schedule.js';
import type { StepEngine } from './step-engine.js';
import type { ResolvedTrainOptions } from './trainer-options.js';
import type { RunReporter } from './trainer-report.js';
import { type EvalRecord, STATE_FORMAT, type TrainingStateJson, type TrainLossRecord } from './training-state.js';

export type RunStatus = 'completed' | 'early-stopped' | 'cancelled';

/**
 * The options the loop reads (fine-tuning's and pretraining's options both have them); those
 * of the optimizer and its update are the engine's (trainer-engine.ts UpdateOptions).
 */
export type LoopOptions = Pick<ResolvedTrainOptions,
  'batchSize' | 'gradAccum' | 'maxSteps' | 'epochs' | 'lr' | 'decay' | 'warmup' | 'seed' | 'shuffle' | 'out' | 'evalEvery' | 'patience'> & {
    /** Also write `last` (with the training state) every N steps, so a killed run loses at most N steps. */
    readonly saveEvery?: number;
  };

/** The training state the loop writes; the data adds its own options, data and tasks (see LoopData.save). */
export type LoopStateJson = Omit<TrainingStateJson, 'options' | 'data' | 'tasks'>;

/** What a run trains on; B is the batch its StepEngine steps on. */
export interface LoopData<B> {
  /** Each training example's length in tokens: batches are length-bucketed by it. */
  readonly trainLengths: readonly number[];
  /** Whether there is anything to validate on (else: no evaluation, best checkpoint or early stopping). */
  readonly hasValidation: boolean;
  /** The batch of the training examples at `indices` (their order in `trainLengths`), in epoch `epoch`. */
  /** `seed`: the micro-batch's seed (its dropout seed), for anything drawn per step. */
  batch(indices: readonly number[], epoch: number, seed: number): B;
  /** Validation (with the run's engine); early stopping and the best checkpoint watch its `loss`. */
  evaluate(): Promise<EvalReport>;
  /** Writes a checkpoint; `last` also carries the training state (the loop's part, to which the data adds its own). */
  save(dir: string, state?: { json: LoopStateJson; optimizer: OptimizerState }): Promise<void>;
}

/** What the loop works with and never changes. */
export interface LoopContext<B> {
  readonly o: LoopOptions;
  readonly data: LoopData<B>;
  /** Runs steps and owns the optimizer: on the host, or on the GPU (step-engine.ts). */
  readonly engine: StepEngine<B, unknown>;
  readonly report: RunReporter;
  readonly signal?: AbortSignal;
}

/** The loop's fixed plan, made once per run. */
interface LoopPlan<B> extends LoopContext<B> {
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
export function planLoop<B>(ctx: LoopContext<B>, resumed?: { json: LoopStateJson }): { plan: LoopPlan<B>; state: LoopState } {
  const { o, data, report } = ctx;
  const at = report.position;
  const saved = resumed?.json;
  const stepsPerEpoch = Math.ceil(Math.ceil(data.trainLengths.length / o.batchSize) / o.gradAccum);
  at.totalSteps = saved?.totalSteps ?? o.maxSteps ?? o.epochs * stepsPerEpoch;
  at.epochs = o.maxSteps !== undefined ? Math.ceil(at.totalSteps / stepsPerEpoch) : o.epochs;
  const plan: LoopPlan<B> = {
    ...ctx,
    stepsPerEpoch,
    schedule: new LrSchedule({ baseLr: o.lr, totalSteps: at.totalSteps, decay: o.decay, warmup: o.warmup >= 1 ? { steps: o.warmup } : { fraction: o.warmup } }),
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
export async function runLoop<B>(plan: LoopPlan<B>, state: LoopState): Promise<LoopResult> {
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

/** One optimizer step: gradAccum micro-batches forward and backward, then the update (both in the engine). */
async function trainStep<B>(plan: LoopPlan<B>, state: LoopState): Promise<{ loss: number; losses: Record<string, number>; lr: number }> {
  const { o, data, engine, report } = plan;
  const at = report.position;
  const window = plan.order.of(at.epoch).slice(state.batchInEpoch, state.batchInEpoch + o.gradAccum);
  const t0 = performance.now();
  const seeds = window.map((_, i) => dropoutSeed(o.seed, at.step * o.gradAccum + i));
  const batches = window.map((indices, i) => data.batch(indices, at.epoch, seeds[i]!));
  const lr = plan.schedule.lrAt(at.step);
  const { loss, losses } = await engine.step(batches, seeds, lr);
  for (const indices of window) state.examplesDone += indices.length;
  at.step++;
  state.batchInEpoch += window.length;
  state.trainSeconds += (performance.now() - t0) / 1000;
  return { loss, losses, lr };
}

/** The bookkeeping after a step: loss history, a progress event, evaluation every N steps, the epoch's end. */
async function afterStep<B>(plan: LoopPlan<B>, state: LoopState, loss: number, losses: Record<string, number>, lr: number): Promise<void> {
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
async function evaluateNow<B>(plan: LoopPlan<B>, state: LoopState): Promise<void> {
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

async function saveCheckpoint<B>(plan: LoopPlan<B>, state: LoopState, kind: 'best' | 'last'): Promise<void> {
  const { report, engine } = plan;
  report.progress('saving');
  const dir = plan.outDirs[kind];
  // On the GPU path the weights and moments come down from the device here, and only here.
  await engine.syncWeights();
  const optimizer = kind === 'last' ? await engine.optimizerState() : undefined;
  await plan.data.save(dir, optimizer && { json: stateJson(plan, state, optimizer), optimizer });
  const step = report.position.step;
  report.emit({ type: 'checkpoint', kind, dir, step });
  if (kind === 'last') state.lastSaved = { dir, step };
}

/** The loop's part of what a resume needs besides the weights and the optimizer's tensors (training-state.ts). */
function stateJson<B>(plan: LoopPlan<B>, state: LoopState, optimizer: OptimizerState): LoopStateJson {
  const { o, schedule, report } = plan;
  const { step, epoch, totalSteps } = report.position;
  return {
    format: STATE_FORMAT, position: { step, epoch, batchInEpoch: state.batchInEpoch }, totalSteps, stepsPerEpoch: plan.stepsPerEpoch,
    schedule: { baseLr: schedule.baseLr, totalSteps, warmupSteps: schedule.warmupSteps, decay: schedule.decay },
    rng: { seed: o.seed, dropout: 'dropoutSeed(seed, step * gradAccum + microBatch)', batchOrder: 'epochSeed(seed, epoch)' },
    history: { evals: state.evals, train: state.trainLog }, earlyStopping: { ...state.early }, elapsedSeconds: report.elapsed(),
    optimizer: optimizer.json,
  };
}

/** The last history entry, a final evaluation and `last` checkpoint where the loop did not just make them, and the outcome. */
async function finishLoop<B>(plan: LoopPlan<B>, state: LoopState): Promise<LoopResult> {
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
