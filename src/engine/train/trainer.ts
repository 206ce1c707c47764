/**
 * The training loop: epochs (or max steps) of seeded, length-bucketed batches through a
 * StepRunner, AdamW/SGD with warmup and decay, clipping, accumulation and layer-wise LR;
 * evaluation each epoch (and every N steps), early stopping on validation loss, best and last
 * checkpoints with the training state, exact resume, cancellation that finishes the step and
 * saves, and throttled progress events. Result and events are plain JSON.
 */
import { join } from 'node:path';
import { epochBatches, collate } from '../data/dataset.js';
import { dropoutSeed } from '../graph/ops/dropout.js';
import type { DownloadOptions } from '../hub.js';
import { chooseDevice } from '../runtime/device.js';
import { GradAccumulator } from './accumulate.js';
import { evaluateExamples, type EvalReport } from './evaluate.js';
import { EventThrottle, type TrainEvent, type TrainPhase } from './events.js';
import { createOptimizer, layerwiseLrDecay, restoreOptimizer } from './optimizer.js';
import { LrSchedule } from './schedule.js';
import { applyUpdate } from './step.js';
import { createFullGraphRunner, type StepRunner } from './step-runner.js';
import { createHeadsOnlyRunner } from './heads-runner.js';
import { saveRunCheckpoint } from './trainer-checkpoint.js';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './trainer-options.js';
import { prepareRun, type RunSetup } from './trainer-setup.js';
import { dataFingerprint, type EvalRecord, readTrainingState, resumeCheckpointDir, STATE_FORMAT, type TrainingStateJson, type TrainLossRecord } from './training-state.js';

export interface TrainContext {
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
  /** Hub download settings for a hub model id (not saved in the state). */
  readonly download?: DownloadOptions;
  /** Minimum time between progress events (default 250 ms). */
  readonly progressIntervalMs?: number;
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

/** Starts a run, or resumes one when `resume` names a run folder or its last checkpoint. */
export async function train(options: TrainOptions | { resume: string; device?: TrainOptions['device']; out?: string }, ctx: TrainContext = {}): Promise<TrainResult> {
  const events = new EventThrottle(ctx.onEvent, ctx.progressIntervalMs);
  const started = performance.now();
  let state: TrainingStateJson | undefined;
  let resolved: ResolvedTrainOptions;
  let modelDir: string | undefined;
  let optimizerState;
  if ('resume' in options) {
    modelDir = resumeCheckpointDir(options.resume);
    const s = await readTrainingState(modelDir);
    state = s.json;
    optimizerState = s.optimizer;
    resolved = { ...state.options, ...(options.device ? { device: options.device } : {}), ...(options.out ? { out: options.out } : {}) };
  } else {
    resolved = resolveTrainOptions(options);
  }
  const o = resolved;
  const progress = (phase: TrainPhase, extra: Partial<Omit<TrainEvent & { type: 'progress' }, 'type' | 'phase'>> = {}) =>
    events.emit({ type: 'progress', phase, epoch, epochs, step, totalSteps, elapsedSeconds: elapsed(), ...extra });
  const elapsed = () => (state?.elapsedSeconds ?? 0) + (performance.now() - started) / 1000;
  let step = state?.position.step ?? 0;
  let epoch = state?.position.epoch ?? 0;
  let epochs = o.epochs;
  let totalSteps = 0;

  progress('tokenizing');
  const setup = await prepareRun(o, { modelDir, state }, ctx.download ?? {});
  const { dataset, tasks, params, model } = setup;
  for (const w of dataset.warnings) events.emit({ type: 'message', level: 'warning', message: w.message });
  for (const w of dataset.skipped) events.emit({ type: 'message', level: 'warning', message: `skipped: ${w.message}` });
  events.emit({ type: 'message', level: 'info', message: setup.freezeDescription });
  const fingerprint = dataFingerprint([dataset.train, dataset.val]);
  if (state && state.data.fingerprint !== fingerprint) {
    events.emit({ type: 'message', level: 'warning', message: `${o.csv}: the rows differ from those the interrupted run trained on (same lines, changed text or labels); the resumed run will not match an uninterrupted one` });
  }
  const device = await chooseDevice(o.device);
  for (const f of device.fallbacks) events.emit({ type: 'message', level: 'info', message: `device fallback: ${f}` });

  const dropout = o.dropout === 0 || (model.config.hiddenDropout === 0 && model.config.attentionDropout === 0) ? undefined : { rate: o.dropout };
  const runnerOptions = { config: model.config, params, tasks, pooling: setup.pooling, lossWeights: o.lossWeights, dropout, device: device.device };
  // A frozen backbone never changes a sentence's pooled vector: embed once, train the heads alone.
  const runner = !setup.trainsBackbone && !setup.nothingToTrain
    ? await createHeadsOnlyRunner({
        ...runnerOptions, model, examples: dataset, maxLength: o.maxLength, batchSize: o.batchSize, signal: ctx.signal,
        onProgress: (done, total) => progress('embedding', { done, total }),
      }, setup.shapes)
    : await createFullGraphRunner(runnerOptions, setup.shapes);
  const base = {
    device: device.device, runner: runner.kind, freeze: o.freeze, trainExamples: dataset.train.length, valExamples: dataset.val.length,
    warnings: dataset.warnings.length, skipped: dataset.skipped.length,
  };
  const padId = model.tokenizer.padId;
  const evaluate = async (examples: typeof dataset.val, split: 'train' | 'val') => {
    progress('evaluating', { done: 0, total: examples.length });
    return evaluateExamples(runner, examples, tasks, {
      batchSize: o.batchSize, padId, lossWeights: o.lossWeights, split,
      onProgress: (done, total) => progress('evaluating', { done, total }),
    });
  };

  try {
    if (setup.nothingToTrain) {
      events.emit({ type: 'message', level: 'info', message: setup.nothingToTrain });
      const all = dataset.val.length > 0 && o.val !== undefined ? dataset.val : [...dataset.train, ...dataset.val];
      const report = await evaluate(all, 'val');
      events.emit({ type: 'evaluation', step: 0, epoch: 0, report, improved: false });
      await events.flush();
      return { ...base, status: 'evaluated-only', message: setup.nothingToTrain, step: 0, totalSteps: 0, epoch: 0, epochs: 0, metrics: report, best: null, last: null, history: { evals: [{ step: 0, epoch: 0, report }], train: [] }, elapsedSeconds: elapsed() };
    }

    const batchesPerEpoch = Math.ceil(dataset.train.length / o.batchSize);
    const stepsPerEpoch = Math.ceil(batchesPerEpoch / o.gradAccum);
    totalSteps = state?.totalSteps ?? o.maxSteps ?? o.epochs * stepsPerEpoch;
    epochs = o.maxSteps !== undefined ? Math.ceil(totalSteps / stepsPerEpoch) : o.epochs;
    const schedule = new LrSchedule({ baseLr: o.lr, totalSteps, decay: o.decay, warmup: o.warmup >= 1 ? { steps: o.warmup } : { fraction: o.warmup } });
    const optimizer = optimizerState
      ? restoreOptimizer(optimizerState)
      : createOptimizer(o.optimizer === 'adamw' ? { kind: 'adamw', weightDecay: o.weightDecay } : { kind: 'sgd', weightDecay: o.weightDecay });
    const lrMultiplier = o.layerLrDecay !== 1 ? layerwiseLrDecay(model.config.numLayers, o.layerLrDecay) : undefined;
    const accumulator = o.gradAccum > 1 ? new GradAccumulator('mean') : undefined;

    let batchInEpoch = state?.position.batchInEpoch ?? 0;
    const evals: EvalRecord[] = [...(state?.history.evals ?? [])];
    const trainLog: TrainLossRecord[] = [...(state?.history.train ?? [])];
    let bestLoss = state?.earlyStopping.bestLoss ?? null;
    let bestStep = state?.earlyStopping.bestStep ?? null;
    let badEvals = state?.earlyStopping.badEvals ?? 0;
    let lastEvalStep = evals.at(-1)?.step ?? -1;
    let lastSaved: { dir: string; step: number } | null = null;
    let status = 'completed' as TrainResult['status'];
    const outDirs = { best: join(o.out, 'best'), last: join(o.out, 'last') };
    const logEvery = Math.max(1, Math.ceil(totalSteps / 200));
    let logWindow = { n: 0, loss: 0, losses: {} as Record<string, number> };
    let eventWindow = { n: 0, loss: 0, losses: {} as Record<string, number> };
    const addLoss = (w: typeof logWindow, loss: number, losses: Record<string, number>) => {
      w.n++;
      w.loss += loss;
      for (const [t, l] of Object.entries(losses)) w.losses[t] = (w.losses[t] ?? 0) + l;
    };
    const mean = (w: typeof logWindow) => ({ loss: w.loss / w.n, losses: Object.fromEntries(Object.entries(w.losses).map(([t, l]) => [t, l / w.n])) });

    const stateJson = (): TrainingStateJson => ({
      format: STATE_FORMAT, options: o, position: { step, epoch, batchInEpoch }, totalSteps, stepsPerEpoch,
      schedule: { baseLr: schedule.baseLr, totalSteps, warmupSteps: schedule.warmupSteps, decay: schedule.decay },
      rng: { seed: o.seed, dropout: 'dropoutSeed(seed, step * gradAccum + microBatch)', batchOrder: 'epochSeed(seed, epoch)' },
      data: { trainCsv: o.csv, valCsv: o.val, trainLines: dataset.train.map((e) => e.line), valLines: dataset.val.map((e) => e.line), fingerprint },
      tasks: dataset.tasks.map((t) => ({ name: t.name, column: t.column, labels: t.labels })),
      history: { evals, train: trainLog }, earlyStopping: { bestLoss, bestStep, badEvals }, elapsedSeconds: elapsed(),
      optimizer: optimizer.state().json,
    });
    const save = async (kind: 'best' | 'last') => {
      progress('saving');
      const dir = outDirs[kind];
      await saveRunCheckpoint(dir, setup, kind === 'last' ? { json: stateJson(), optimizer: optimizer.state() } : undefined);
      events.emit({ type: 'checkpoint', kind, dir, step });
      if (kind === 'last') lastSaved = { dir, step };
    };
    const evaluateNow = async () => {
      lastEvalStep = step;
      if (dataset.val.length === 0) return;
      const report = await evaluate(dataset.val, 'val');
      evals.push({ step, epoch, report });
      const improved = bestLoss === null || report.loss < bestLoss;
      if (improved) {
        bestLoss = report.loss;
        bestStep = step;
        badEvals = 0;
      } else badEvals++;
      events.emit({ type: 'evaluation', step, epoch, report, improved });
      if (improved) await save('best');
      if (o.patience !== undefined && badEvals >= o.patience) status = 'early-stopped';
    };

    const lengths = dataset.train.map((e) => e.ids.length);
    let order = { epoch: -1, batches: [] as number[][] };
    const batchesOf = (e: number) => (order.epoch === e ? order.batches : (order = { epoch: e, batches: epochBatches(lengths, o.batchSize, { seed: o.seed, epoch: e, shuffle: o.shuffle }) }).batches);
    const names = tasks.map((t) => t.name);
    let examplesDone = 0;
    let trainSeconds = 0;
    if (dataset.val.length === 0) events.emit({ type: 'message', level: 'info', message: 'no validation rows: no evaluation, best checkpoint or early stopping' });

    while (step < totalSteps && status === 'completed') {
      if (ctx.signal?.aborted) {
        status = 'cancelled';
        break;
      }
      const batches = batchesOf(epoch);
      const window = batches.slice(batchInEpoch, batchInEpoch + o.gradAccum);
      const t0 = performance.now();
      const grads = [];
      let loss = 0;
      const losses: Record<string, number> = {};
      for (const [i, indices] of window.entries()) {
        const data = collate(dataset.train, indices, names, padId);
        const out = await runner.step({ data, indices, split: 'train' }, dropoutSeed(o.seed, step * o.gradAccum + i));
        grads.push(out.grads);
        loss += out.loss / window.length;
        for (const [t, l] of Object.entries(out.losses)) losses[t] = (losses[t] ?? 0) + l / window.length;
        examplesDone += indices.length;
      }
      const lr = schedule.lrAt(step);
      applyUpdate(params, grads, optimizer, lr, { maxGradNorm: o.maxGradNorm > 0 ? o.maxGradNorm : undefined, lrMultiplier, accumulator });
      step++;
      batchInEpoch += window.length;
      trainSeconds += (performance.now() - t0) / 1000;
      addLoss(logWindow, loss, losses);
      addLoss(eventWindow, loss, losses);
      if (logWindow.n >= logEvery) {
        trainLog.push({ step, ...mean(logWindow) });
        logWindow = { n: 0, loss: 0, losses: {} };
      }
      if (events.ready()) {
        const perStep = trainSeconds / Math.max(1, step - (state?.position.step ?? 0));
        progress('training', { ...mean(eventWindow), lr, examplesPerSecond: examplesDone / Math.max(1e-9, trainSeconds), etaSeconds: perStep * (totalSteps - step) });
        eventWindow = { n: 0, loss: 0, losses: {} };
      }
      if (o.evalEvery > 0 && step % o.evalEvery === 0) await evaluateNow();
      if (batchInEpoch >= batches.length) {
        if (lastEvalStep !== step && status === 'completed') await evaluateNow();
        epoch++;
        batchInEpoch = 0;
        await save('last');
      }
    }
    if (logWindow.n > 0) trainLog.push({ step, ...mean(logWindow) });
    if (status === 'completed' && lastEvalStep !== step) await evaluateNow();
    // An epoch end may just have saved this very state.
    if ((lastSaved as { step: number } | null)?.step !== step) await save('last');
    const message = status === 'cancelled' ? `cancelled after step ${step} of ${totalSteps}; resume with --resume ${o.out}`
      : status === 'early-stopped' ? `early stopping: validation loss did not improve for ${o.patience} evaluations (best at step ${bestStep})` : undefined;
    if (message) events.emit({ type: 'message', level: 'info', message });
    progress(status === 'cancelled' ? 'saving' : 'training');
    await events.flush();
    return {
      ...base, status, ...(message ? { message } : {}), step, totalSteps, epoch, epochs,
      metrics: evals.at(-1)?.report ?? null,
      best: bestStep !== null && bestLoss !== null ? { dir: outDirs.best, step: bestStep, loss: bestLoss } : null,
      last: lastSaved,
      history: { evals, train: trainLog },
      elapsedSeconds: elapsed(),
    };
  } finally {
    await runner.release();
  }
}

export type { RunSetup };
