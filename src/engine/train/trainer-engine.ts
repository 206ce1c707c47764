/**
 * Which StepEngine a run trains with, and its optimizer, for fine-tuning and masked-LM
 * pretraining alike (createGraphEngine over the model's graphs):
 *  - on the CPU, the host optimizer over a runner (the CPU path, measured fastest there);
 *  - on a GPU, device-resident training (weights, moments and the step counter on the GPU,
 *    the update inside the graph). If that cannot be set up (a provider without gpu-buffer
 *    tensors), the run says why and falls back to the host optimizer.
 * Fine-tuning adds one case of its own (createStepEngine): a frozen backbone trains only the
 * heads, on pooled vectors embedded once, with the host optimizer.
 */
import type { DeviceChoice } from '../runtime/device.js';
import { GradAccumulator } from './accumulate.js';
import { createHeadsOnlyRunner } from './heads-runner.js';
import type { ModelGraphs } from './model-graphs.js';
import { createOptimizer, layerwiseLrDecay, type Optimizer, type OptimizerState, restoreOptimizer } from './optimizer.js';
import type { PooledCache } from './pooled-cache.js';
import { createResidentEngineFor } from './resident-runner.js';
import { type HostUpdateOptions, hostStepEngine, type StepEngine } from './step-engine.js';
import { createGraphRunner, fineTuneGraphs, type RunnerOptions } from './step-runner.js';
import { PAIR_DEFAULTS, type ResolvedTrainOptions } from './trainer-options.js';
import type { RunSetup } from './trainer-setup.js';

/** The options that shape the optimizer and its update (fine-tuning's and pretraining's both have them). */
export type UpdateOptions = Pick<ResolvedTrainOptions, 'optimizer' | 'weightDecay' | 'maxGradNorm' | 'layerLrDecay' | 'gradAccum'>;

export interface EngineContext {
  /** Saved optimizer state of a resumed run. */
  readonly optimizerState?: OptimizerState;
  readonly message?: (level: 'info' | 'warning', text: string) => void;
}

export interface FineTuneEngineContext extends EngineContext {
  readonly signal?: AbortSignal;
  readonly pooledCache?: PooledCache;
  readonly onEmbedding?: (done: number, total: number) => void;
}

/** A fresh optimizer from the options, or a resumed run's. */
export function runOptimizer(o: Pick<UpdateOptions, 'optimizer' | 'weightDecay'>, saved?: OptimizerState): Optimizer {
  if (saved) return restoreOptimizer(saved);
  return createOptimizer(o.optimizer === 'adamw' ? { kind: 'adamw', weightDecay: o.weightDecay } : { kind: 'sgd', weightDecay: o.weightDecay });
}

/** Clipping and layer-wise learning rates, which both engines apply. */
function updateRules(o: UpdateOptions, numLayers: number): Pick<HostUpdateOptions, 'maxGradNorm' | 'lrMultiplier'> {
  return {
    maxGradNorm: o.maxGradNorm > 0 ? o.maxGradNorm : undefined,
    lrMultiplier: o.layerLrDecay !== 1 ? layerwiseLrDecay(numLayers, o.layerLrDecay) : undefined,
  };
}

function hostUpdate(o: UpdateOptions, numLayers: number): HostUpdateOptions {
  return { ...updateRules(o, numLayers), accumulator: o.gradAccum > 1 ? new GradAccumulator('mean') : undefined };
}

/** The engine over a model's graphs: resident on a GPU when it can be, else the host optimizer. */
export async function createGraphEngine<B, E>(graphs: ModelGraphs<B, E>, o: UpdateOptions, numLayers: number, ctx: EngineContext): Promise<StepEngine<B, E>> {
  const optimizer = runOptimizer(o, ctx.optimizerState);
  if (graphs.device !== 'cpu' && graphs.params.trainableNames().length > 0) {
    try {
      return await createResidentEngineFor(graphs, { optimizer, gradAccum: o.gradAccum, ...updateRules(o, numLayers) });
    } catch (e) {
      ctx.message?.('warning', `training state could not be kept on ${graphs.device} (${String(e instanceof Error ? e.message : e).split('\n')[0]}); weights and gradients cross the bus every step instead`);
    }
  }
  return hostStepEngine(await createGraphRunner(graphs), graphs.params, optimizer, hostUpdate(o, numLayers));
}

/** Fine-tuning's engine: the heads-only fast path for a frozen backbone, else the full graph (createGraphEngine). */
export async function createStepEngine(setup: RunSetup, device: DeviceChoice, ctx: FineTuneEngineContext): Promise<StepEngine> {
  const { options: o, model, params, tasks, dataset } = setup;
  const dropout = o.dropout === 0 || (model.config.hiddenDropout === 0 && model.config.attentionDropout === 0) ? undefined : { rate: o.dropout };
  const pairs = setup.pairs ? { weight: o.pairWeight ?? PAIR_DEFAULTS.pairWeight, scale: o.pairScale ?? PAIR_DEFAULTS.pairScale } : undefined;
  const runnerOptions: RunnerOptions = { config: model.config, params, tasks, pooling: setup.pooling, lossWeights: o.lossWeights, dropout, device: device.device, pairs };
  const numLayers = model.config.numLayers;
  // A frozen backbone never changes a sentence's pooled vector: embed once, train the heads alone.
  if (!setup.trainsBackbone && !setup.nothingToTrain) {
    const runner = await createHeadsOnlyRunner({
      ...runnerOptions, model, examples: dataset, maxLength: o.maxLength, batchSize: o.batchSize, signal: ctx.signal, cache: ctx.pooledCache,
      onProgress: ctx.onEmbedding,
    }, setup.shapes);
    return hostStepEngine(runner, params, runOptimizer(o, ctx.optimizerState), hostUpdate(o, numLayers));
  }
  return createGraphEngine(fineTuneGraphs(runnerOptions, setup.shapes), o, numLayers, ctx);
}
