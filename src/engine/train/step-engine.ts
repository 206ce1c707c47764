/**
 * One optimizer step as the training loop sees it: run a window of micro-batches, update the
 * weights; the same for fine-tuning and masked-LM pretraining (the batch type is a parameter).
 * Two implementations:
 *  - host optimizer (here): the StepRunner returns gradients, the TypeScript optimizer updates
 *    the ParameterSet arrays in place (clip, accumulation, per-group LR: step.ts). On the CPU
 *    this is the fastest path (measured: BENCHMARKS.md), so it stays the CPU path.
 *  - device-resident (resident-runner.ts): weights, moments and the step counter stay on the
 *    GPU and the update runs inside the training graph; only the batch goes up and the losses
 *    come down.
 * Either way the loop reads weights from the ParameterSet only after `syncWeights()`, and the
 * optimizer state only through `optimizerState()`, so checkpoints look the same from both.
 */
import type { GradAccumulator } from './accumulate.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { applyUpdate, type ParameterSet } from './step.js';
import type { EvalOutput, RunnerBatch, StepRunner } from './step-runner.js';
import { TransferCounter, type Transfers } from '../runtime/transfers.js';

export interface WindowResult {
  /** Mean over the window's micro-batches of the weighted total loss. */
  readonly loss: number;
  /** Mean per-task losses over the window. */
  readonly losses: Record<string, number>;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Host ↔ device bytes this step moved. */
  readonly transfers: Transfers;
}

/** B, E: the batches it steps on and what an evaluation returns (fine-tuning's by default, or masked-LM's). */
export interface StepEngine<B = RunnerBatch, E = EvalOutput> {
  readonly kind: 'host-optimizer' | 'device-resident';
  readonly runner: StepRunner['kind'];
  /** One optimizer step over `window` (micro-batches), `seeds[i]` the dropout seed of batch i. */
  step(window: readonly B[], seeds: readonly number[], lr: number): Promise<WindowResult>;
  evaluate(batch: B): Promise<E>;
  /** Makes the ParameterSet arrays hold the current weights (a no-op on the host path). */
  syncWeights(): Promise<void>;
  /** The optimizer's moments and step counts, in the checkpoint format of optimizer.ts. */
  optimizerState(): Promise<OptimizerState>;
  /** Every byte this engine moved between host and device, setup and checkpoints included. */
  readonly transfers: TransferCounter;
  release(): Promise<void>;
}

export interface HostUpdateOptions {
  readonly maxGradNorm?: number;
  readonly lrMultiplier?: (name: string) => number;
  readonly accumulator?: GradAccumulator;
}

export function hostStepEngine<B, E>(runner: StepRunner<B, E>, params: ParameterSet, optimizer: Optimizer, options: HostUpdateOptions): StepEngine<B, E> {
  const transfers = runner.transfers ?? new TransferCounter();
  return {
    kind: 'host-optimizer',
    runner: runner.kind,
    transfers,
    async step(window, seeds, lr) {
      const before = transfers.snapshot();
      const grads = [];
      let loss = 0;
      const losses: Record<string, number> = {};
      for (const [i, batch] of window.entries()) {
        const out = await runner.step(batch, seeds[i]!);
        grads.push(out.grads);
        loss += out.loss / window.length;
        for (const [t, l] of Object.entries(out.losses)) losses[t] = (losses[t] ?? 0) + l / window.length;
      }
      const report = applyUpdate(params, grads, optimizer, lr, options);
      return { loss, losses, gradNorm: report.gradNorm, transfers: transfers.since(before) };
    },
    evaluate: (batch) => runner.evaluate(batch),
    async syncWeights() {},
    async optimizerState() {
      return optimizer.state();
    },
    release: () => runner.release(),
  };
}
