/**
 * `pretrain()`: masked-language-model training of a backbone (any supported architecture, with
 * its own …ForMaskedLM head) on unlabelled text, in
 * phases: openRun (new options, or a resumed run's saved state), preparePretrain (corpus,
 * vocabulary, model, head, sequences: pretrain-setup.ts), the step engine over the MLM graphs
 * (the same choice as fine-tuning's, train/trainer-engine.ts: the host optimizer on the CPU,
 * weights and moments resident on a GPU), then the same optimisation loop as fine-tuning
 * (train/trainer-loop.ts): AdamW/SGD, warmup and decay,
 * clipping, accumulation, evaluation with perplexity, best and last checkpoints, exact
 * resume, cancellation that finishes the step and saves, and progress events.
 */
import { SentenceLensError } from '../errors.js';
import { chooseDevice } from '../runtime/device.js';
import type { EvalReport } from '../train/evaluate.js';
import { EventThrottle } from '../train/events.js';
import type { StepEngine } from '../train/step-engine.js';
import { createGraphEngine } from '../train/trainer-engine.js';
import { planLoop, runLoop } from '../train/trainer-loop.js';
import { RunReporter } from '../train/trainer-report.js';
import type { DownloadOptions } from '../hub.js';
import type { TrainEvent } from '../train/events.js';
import type { OptimizerState } from '../train/optimizer.js';
import type { Transfers } from '../runtime/transfers.js';
import { readTrainingState, resumeCheckpointDir, type EvalRecord, type TrainLossRecord } from '../train/training-state.js';
import { mlmGraphs } from './mlm-runner.js';
import { type PretrainStateJson, pretrainData } from './pretrain-data.js';
import { type PretrainOptions, type ResolvedPretrainOptions, resolvePretrainOptions } from './pretrain-options.js';
import { preparePretrain } from './pretrain-setup.js';

export interface PretrainResult {
  readonly status: 'completed' | 'early-stopped' | 'cancelled';
  readonly message?: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly epochs: number;
  readonly device: string;
  /** Where the optimizer ran: on the host, or inside the training graph with the state on the GPU. */
  readonly optimizer: StepEngine['kind'];
  /** Bytes moved between host and device in this process (0 on the CPU). */
  readonly transfers: Transfers;
  readonly vocabSize: number;
  readonly texts: number;
  readonly trainSequences: number;
  readonly valSequences: number;
  readonly tokens: number;
  /** The last evaluation: `loss` is the mean NLL, `mlm.perplexity` its exponential. */
  readonly metrics: EvalReport | null;
  readonly best: { readonly dir: string; readonly step: number; readonly loss: number } | null;
  readonly last: { readonly dir: string; readonly step: number } | null;
  readonly history: { readonly evals: EvalRecord[]; readonly train: TrainLossRecord[] };
  readonly elapsedSeconds: number;
}

export interface PretrainContext {
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
  /** Hub download settings for a hub model id (not saved in the state). */
  readonly download?: DownloadOptions;
  /** Minimum time between progress events (default 250 ms). */
  readonly progressIntervalMs?: number;
}

export type PretrainResumeOptions = { resume: string; device?: PretrainOptions['device']; out?: string };

async function openRun(options: PretrainOptions | PretrainResumeOptions): Promise<{ o: ResolvedPretrainOptions; resumed?: { dir: string; json: PretrainStateJson; optimizer: OptimizerState } }> {
  if (!('resume' in options)) return { o: resolvePretrainOptions(options) };
  const dir = resumeCheckpointDir(options.resume);
  const { json, optimizer } = await readTrainingState(dir);
  if (json.kind !== 'pretrain') {
    throw new SentenceLensError('BAD_ARGUMENT', `${dir}: this is a fine-tuning run; resume it with "sentence-lens train --resume"`);
  }
  const saved = json as unknown as PretrainStateJson;
  const o = { ...saved.options, ...(options.device ? { device: options.device } : {}), ...(options.out ? { out: options.out } : {}) };
  return { o, resumed: { dir, json: saved, optimizer } };
}

/** Starts a run, or resumes one when `resume` names a run folder or its last checkpoint. */
export async function pretrain(options: PretrainOptions | PretrainResumeOptions, ctx: PretrainContext = {}): Promise<PretrainResult> {
  const { o, resumed } = await openRun(options);
  const report = new RunReporter(new EventThrottle(ctx.onEvent, ctx.progressIntervalMs), resumed?.json.elapsedSeconds ?? 0, {
    step: resumed?.json.position.step ?? 0, epoch: resumed?.json.position.epoch ?? 0, epochs: o.epochs, totalSteps: 0,
  });
  report.progress('tokenizing');
  const setup = await preparePretrain(o, { modelDir: resumed?.dir }, ctx.download ?? {}, (m) => report.message('info', m));
  report.message('info', `${setup.texts} texts → ${setup.train.length} training and ${setup.val.length} validation sequences of at most ${o.maxLength} tokens (${setup.tokens} tokens); vocabulary ${setup.model.config.vocabSize}; masked-LM head ${setup.headLoaded ? 'from the checkpoint' : 'new'}`);
  if (resumed && resumed.json.data.fingerprint !== setup.fingerprint) {
    report.message('warning', `${o.files.join(', ')}: the text differs from what the interrupted run trained on; the resumed run will not match an uninterrupted one`);
  }
  const device = await chooseDevice(o.device);
  for (const f of device.fallbacks) report.message('info', `device fallback: ${f}`);
  const { config } = setup.model;
  const dropout = o.dropout === 0 || (config.hiddenDropout === 0 && config.attentionDropout === 0) ? undefined : { rate: o.dropout };
  const graphs = mlmGraphs({ config, params: setup.params, shapes: setup.shapes, dropout, device: device.device });
  const engine = await createGraphEngine(graphs, o, config.numLayers, { optimizerState: resumed?.optimizer, message: (level, text) => report.message(level, text) });
  try {
    const data = pretrainData(setup, engine, report);
    const { plan, state } = planLoop({ o, data, engine, report, signal: ctx.signal }, resumed);
    const outcome = await runLoop(plan, state);
    await report.flush();
    const { step, totalSteps, epoch, epochs } = report.position;
    return {
      ...outcome, step, totalSteps, epoch, epochs, device: device.device, optimizer: engine.kind, transfers: engine.transfers.snapshot(),
      vocabSize: config.vocabSize, texts: setup.texts, trainSequences: setup.train.length, valSequences: setup.val.length, tokens: setup.tokens,
      elapsedSeconds: report.elapsed(),
    };
  } finally {
    await engine.release();
  }
}
