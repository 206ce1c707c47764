/**
 * The device-resident training graph: forward, losses, gradients AND the optimizer update in
 * one ONNX graph, so weights, optimizer moments and the step counter can stay on the GPU
 * across steps (train/resident-runner.ts keeps them there as gpu-buffer tensors).
 *
 * The model's part (forward, losses, gradients) comes from its own builder (fine-tuning's
 * buildTrainingGraph, masked-LM pretraining's buildMlmTrainingGraph) with the gradients left
 * inside the graph; this file adds only the optimizer, so any model the engines train gets it.
 *
 * Inputs: the batch (as the model's training graph), `lr` (the schedule's learning rate, a float
 * scalar), `optimizer_step` (steps taken so far, a float scalar), and per trainable tensor
 * `<name>` plus its optimizer state: `exp_avg/<name>` and `exp_avg_sq/<name>` (AdamW) or
 * `momentum_buffer/<name>` (SGD with momentum).
 * Outputs: `loss`, `loss_<task>`, `logits_<task>`, `grad_norm` (before clipping) and `new:<x>`
 * for every state input <x>, the updated value.
 *
 * Gradient accumulation uses a second graph of the same family (`mode: 'accumulate'`): it adds
 * the micro-batch's gradients into `acc/<name>` (`new:acc/<name>` = acc·acc_keep + grad) and
 * updates nothing; the window's last micro-batch runs the update graph built with
 * `accumulated: true`, which applies (acc + grad)·grad_scale, grad_scale = 1 / micro-batches
 * (the 'mean' mode of accumulate.ts).
 */
import {
  type Graph, type Value, add, adamwStepScalars, adamwUpdate, clipScale, globalNorm, min, mul, sgdUpdate,
} from '../graph/index.js';
import { isNoDecayParameter } from './param-names.js';
import type { TrainingGraph } from './train-graph.js';

export type ResidentOptimizerSpec =
  | { readonly kind: 'adamw'; readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number }
  | { readonly kind: 'sgd'; readonly momentum: number; readonly dampening: number; readonly nesterov: boolean; readonly weightDecay: number };

export interface ResidentGraphOptions {
  readonly optimizer: ResidentOptimizerSpec;
  /** LR multiplier per trainable tensor (layer-wise decay); absent: 1. Baked in as constants. */
  readonly lrMultiplier?: (name: string) => number;
  /** Names without weight decay; default biases and LayerNorm weights. */
  readonly noDecay?: (name: string) => boolean;
  /** Clip the global gradient norm to this; absent: no clipping (the norm is still an output). */
  readonly maxGradNorm?: number;
  /** 'update' (default) or 'accumulate' (see the file comment). */
  readonly mode?: 'update' | 'accumulate';
  /** The update graph also takes accumulated gradients (gradient accumulation is on). */
  readonly accumulated?: boolean;
}

/** One piece of per-tensor state: the graph input to feed and the output that replaces it. */
export interface StateSlot {
  /** Graph input name (the ParameterSet name for weights, `<kind>/<name>` for the rest). */
  readonly input: string;
  readonly output: string;
  readonly shape: readonly number[];
  /** Which trainable tensor it belongs to, and what it is. */
  readonly param: string;
  readonly kind: 'weight' | 'exp_avg' | 'exp_avg_sq' | 'momentum_buffer' | 'acc';
}

export interface ResidentGraph {
  readonly graph: Graph;
  /** Every resident tensor the graph reads and replaces, the step counter excepted. */
  readonly slots: StateSlot[];
  /** Trainable tensor names, in graph order. */
  readonly trainable: string[];
  readonly lossTasks: string[];
}

export const STEP_INPUT = 'optimizer_step';
export const newName = (input: string): string => `new:${input}`;

/** `training` builds a fresh training graph whose gradients stay inside it (gradOutputs false). */
export function buildResidentGraph(training: () => TrainingGraph, options: ResidentGraphOptions): ResidentGraph {
  const tg = training();
  const g = tg.graph;
  const slots: StateSlot[] = [];
  const input = (param: string, kind: StateSlot['kind'], shape: readonly number[], dtype = g.floatType): Value => {
    const name = kind === 'weight' ? param : `${kind}/${param}`;
    const v = g.input(name, dtype, shape);
    if (v.name !== name) throw new Error(`internal: graph input ${name} clashes with another name`);
    slots.push({ input: name, output: newName(name), shape, param, kind });
    return v;
  };
  const shapeOf = (v: Value): number[] => v.shape.map(Number);
  // The weights are already inputs of the training graph (trainable parameters); record them.
  for (const t of tg.trainable) slots.push({ input: t.value.name, output: newName(t.value.name), shape: shapeOf(t.value), param: t.name, kind: 'weight' });

  if (options.mode === 'accumulate') {
    const keep = g.input('acc_keep', g.floatType, []);
    for (const t of tg.trainable) {
      const acc = input(t.name, 'acc', shapeOf(t.value));
      g.output(add(g, mul(g, acc, keep), t.gradValue), newName(acc.name));
    }
    // Weights are read, not replaced, in this graph: drop their slots.
    return { graph: g, slots: slots.filter((s) => s.kind !== 'weight'), trainable: tg.trainable.map((t) => t.name), lossTasks: tg.lossTasks };
  }

  let grads = tg.trainable.map((t) => t.gradValue);
  if (options.accumulated) {
    const keep = g.input('acc_keep', g.floatType, []);
    const scale = g.input('grad_scale', g.floatType, []);
    grads = tg.trainable.map((t, i) => mul(g, add(g, mul(g, input(t.name, 'acc', shapeOf(t.value)), keep), grads[i]!), scale));
  }
  const norm = globalNorm(g, grads);
  g.output(norm, 'grad_norm');
  if (options.maxGradNorm !== undefined) {
    const k = clipScale(g, norm, options.maxGradNorm);
    grads = grads.map((d) => mul(g, d, k));
  }
  addUpdates(g, tg.trainable.map((t, i) => ({ name: t.name, value: t.value, grad: grads[i]! })), options, input);
  return { graph: g, slots: slots.filter((s) => s.kind !== 'acc'), trainable: tg.trainable.map((t) => t.name), lossTasks: tg.lossTasks };
}

/** The optimizer's nodes for every tensor, and the step counter's increment. */
function addUpdates(
  g: Graph,
  params: readonly { name: string; value: Value; grad: Value }[],
  options: ResidentGraphOptions,
  input: (param: string, kind: StateSlot['kind'], shape: readonly number[]) => Value,
): void {
  const lr = g.input('lr', g.floatType, []);
  const step = g.input(STEP_INPUT, g.floatType, []);
  const t = add(g, step, g.scalar(1));
  g.output(t, newName(STEP_INPUT));
  const spec = options.optimizer;
  const noDecay = options.noDecay ?? isNoDecayParameter;
  // One lr node per distinct multiplier (layer-wise decay has one per layer).
  const lrs = new Map<number, Value>();
  const lrFor = (name: string): Value => {
    const k = options.lrMultiplier?.(name) ?? 1;
    let v = lrs.get(k);
    if (!v) lrs.set(k, (v = k === 1 ? lr : mul(g, lr, g.scalar(k))));
    return v;
  };
  const adamScalars = spec.kind === 'adamw' ? adamwStepScalars(g, t, spec) : undefined;
  // SGD: 0 on the first step of the run, 1 after (momentum buffers start as the first gradient).
  const later = spec.kind === 'sgd' ? min(g, step, g.scalar(1)) : undefined;
  for (const p of params) {
    const shape = p.value.shape.map(Number);
    const wd = noDecay(p.name) ? 0 : spec.weightDecay;
    if (spec.kind === 'adamw') {
      const m = input(p.name, 'exp_avg', shape);
      const v = input(p.name, 'exp_avg_sq', shape);
      const r = adamwUpdate(g, p.value, p.grad, m, v, lrFor(p.name), wd, adamScalars!, spec);
      g.output(r.param, newName(p.value.name));
      g.output(r.m, newName(m.name));
      g.output(r.v, newName(v.name));
    } else {
      const buf = spec.momentum !== 0 ? input(p.name, 'momentum_buffer', shape) : undefined;
      const r = sgdUpdate(g, p.value, p.grad, buf, lrFor(p.name), wd, later!, spec);
      g.output(r.param, newName(p.value.name));
      if (buf) g.output(r.buf!, newName(buf.name));
    }
  }
}
