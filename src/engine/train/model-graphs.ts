/**
 * A trainable model as the step engines see it: how to build its training and evaluation
 * graphs, how to feed a batch, how to read an evaluation. Fine-tuning's multi-task model
 * (step-runner.ts) and masked-LM pretraining (pretrain/mlm-runner.ts) each describe themselves
 * once, and both engines are built from that description:
 *  - the host engine (createGraphRunner in step-runner.ts + step-engine.ts): weights fed and gradients
 *    fetched every step, the optimizer in TypeScript (the CPU path);
 *  - the device-resident engine (resident-runner.ts): the optimizer update inside the graph,
 *    weights and moments kept on the GPU.
 * So neither engine knows which model it trains, and a new objective needs no engine of its own.
 */
import type { Graph } from '../graph/index.js';
import type { Tensor } from '../model/tensor.js';
import type { Device } from '../runtime/device.js';
import type { ort } from '../runtime/session.js';
import type { ParameterSet } from './step.js';
import type { TrainingGraph } from './train-graph.js';

/** Forward only (no dropout, no gradients); trainable parameters are inputs, frozen ones constants. */
export interface EvalGraph {
  readonly graph: Graph;
  /** Trainable parameter name → the graph input that takes its current value. */
  readonly inputs: readonly { readonly name: string; readonly input: string }[];
}

export type OutputMap = ort.InferenceSession.OnnxValueMapType;

export interface ModelGraphs<B, E> {
  readonly kind: 'full-graph' | 'masked-lm';
  /** Every tensor by name; the trainable ones are what the optimizer updates. */
  readonly params: ParameterSet;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly device: Device;
  /** Training runs take the int32 scalar input `dropout_seed`. */
  readonly dropout: boolean;
  /**
   * Forward, `loss` and `loss_<name>` for each of `lossTasks`, and the gradient of every
   * trainable parameter: a `grad:<name>` output, or (gradOutputs false) left inside the graph
   * for the device-resident update to consume.
   */
  training(gradOutputs: boolean): TrainingGraph;
  evaluation(): EvalGraph;
  /** The batch's data inputs (the dropout seed aside). */
  feeds(batch: B): Record<string, ort.Tensor>;
  /** An evaluation's result, from the evaluation graph's outputs. */
  readEval(out: OutputMap, batch: B): E;
}

/** The named tensors with their shapes, reading the ParameterSet's current arrays. */
export function tensorsOf(params: ParameterSet, shapes: ReadonlyMap<string, readonly number[]>, names: readonly string[]): Map<string, Tensor> {
  return new Map(names.map((n) => [n, { shape: [...shapes.get(n)!], data: params.get(n) }]));
}

export const scalarOf = (t: ort.Tensor | undefined): number => (t ? Number((t.data as Float32Array)[0]) : 0);
