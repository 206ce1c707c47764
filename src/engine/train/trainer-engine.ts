/**
 * Which StepEngine a run trains with, and its optimizer:
 *  - nothing trains, or only heads (frozen backbone: the heads-only fast path), or the CPU:
 *    the host optimizer over a StepRunner (the CPU path, measured fastest there);
 *  - the backbone trains on a GPU: device-resident training (weights, moments and the step
 *    counter on the GPU, the update inside the graph). If that cannot be set up (a provider
 *    without gpu-buffer tensors), the run says why and falls back to the host optimizer.
 */
import type { DeviceChoice } from '../runtime/device.js';
import { GradAccumulator } from './accumulate.js';
import { createHeadsOnlyRunner } from './heads-runner.js';
import { createOptimizer, layerwiseLrDecay, type Optimizer, type OptimizerState, restoreOptimizer } from './optimizer.js';
import type { PooledCache } from './pooled-cache.js';
import { createResidentEngine } from './resident-runner.js';
import { hostStepEngine, type StepEngine } from './step-engine.js';
import { createFullGraphRunner, type RunnerOptions } from './step-runner.js';
import type { RunSetup } from './trainer-setup.js';

export interface EngineContext {
  readonly signal?: AbortSignal;
  readonly pooledCache?: PooledCache;
  /** Saved optimizer state of a resumed run. */
  readonly optimizerState?: OptimizerState;
  readonly onEmbedding?: (done: number, total: number) => void;
  readonly message?: (level: 'info' | 'warning', text: string) => void;
}

export function runOptimizer(setup: RunSetup, saved?: OptimizerState): Optimizer {
  const o = setup.options;
  if (saved) return restoreOptimizer(saved);
  return createOptimizer(o.optimizer === 'adamw' ? { kind: 'adamw', weightDecay: o.weightDecay } : { kind: 'sgd', weightDecay: o.weightDecay });
}

export async function createStepEngine(setup: RunSetup, device: DeviceChoice, ctx: EngineContext): Promise<StepEngine> {
  const { options: o, model, params, tasks, dataset } = setup;
  const dropout = o.dropout === 0 || (model.config.hiddenDropout === 0 && model.config.attentionDropout === 0) ? undefined : { rate: o.dropout };
  const runnerOptions: RunnerOptions = { config: model.config, params, tasks, pooling: setup.pooling, lossWeights: o.lossWeights, dropout, device: device.device };
  const optimizer = runOptimizer(setup, ctx.optimizerState);
  const update = {
    maxGradNorm: o.maxGradNorm > 0 ? o.maxGradNorm : undefined,
    lrMultiplier: o.layerLrDecay !== 1 ? layerwiseLrDecay(model.config.numLayers, o.layerLrDecay) : undefined,
  };
  // A frozen backbone never changes a sentence's pooled vector: embed once, train the heads alone.
  if (!setup.trainsBackbone && !setup.nothingToTrain) {
    const runner = await createHeadsOnlyRunner({
      ...runnerOptions, model, examples: dataset, maxLength: o.maxLength, batchSize: o.batchSize, signal: ctx.signal, cache: ctx.pooledCache,
      onProgress: ctx.onEmbedding,
    }, setup.shapes);
    return hostStepEngine(runner, params, optimizer, { ...update, accumulator: accumulatorFor(o.gradAccum) });
  }
  if (device.device !== 'cpu' && !setup.nothingToTrain) {
    try {
      return await createResidentEngine({ ...runnerOptions, optimizer, gradAccum: o.gradAccum, ...update }, setup.shapes);
    } catch (e) {
      ctx.message?.('warning', `training state could not be kept on ${device.device} (${String(e instanceof Error ? e.message : e).split('\n')[0]}); weights and gradients cross the bus every step instead`);
    }
  }
  const runner = await createFullGraphRunner(runnerOptions, setup.shapes);
  return hostStepEngine(runner, params, optimizer, { ...update, accumulator: accumulatorFor(o.gradAccum) });
}

function accumulatorFor(gradAccum: number): GradAccumulator | undefined {
  return gradAccum > 1 ? new GradAccumulator('mean') : undefined;
}
