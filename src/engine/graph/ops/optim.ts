/**
 * Optimizer updates as graph nodes, for training whose weights and optimizer state stay on a
 * GPU (train/resident-graph.ts). The arithmetic is the TypeScript optimizer's
 * (train/optimizer.ts, PyTorch semantics), element for element, in the graph's float type.
 *
 * Gradient rule: none of their own. These are compositions of primitives (Mul, Add, Sqrt, Div,
 * Pow, Min), emitted after `grad()` has run, and nothing differentiates through an update.
 */
import type { Graph, Value } from '../graph.js';
import { add, div, min, mul, pow, sqrt, sub } from './elementwise.js';
import { reduceSum } from './reduce.js';

export interface AdamWHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/** Scalars one AdamW step shares across tensors: from the step count after this step. */
export interface AdamWStepScalars {
  /** 1 − β1^t */
  readonly bc1: Value;
  /** 1 / √(1 − β2^t) */
  readonly invSqrtBc2: Value;
}

/** `t` is the step number being taken (1 on the first step), a float scalar on the device. */
export function adamwStepScalars(g: Graph, t: Value, h: AdamWHyper): AdamWStepScalars {
  const one = g.scalar(1);
  return {
    bc1: sub(g, one, pow(g, g.scalar(h.beta1), t)),
    invSqrtBc2: div(g, one, sqrt(g, sub(g, one, pow(g, g.scalar(h.beta2), t)))),
  };
}

/**
 * One AdamW update of one tensor (torch.optim.AdamW, decoupled decay):
 *   m' = β1·m + (1 − β1)·g      v' = β2·v + (1 − β2)·g²
 *   p' = p·(1 − lr·wd) − (lr / bc1) · m' / (√v' · invSqrtBc2 + ε)
 * `lr` is this tensor's learning rate (the schedule's value times its group's multiplier);
 * `weightDecay` 0 (biases, LayerNorm weights) emits no decay node at all.
 */
export function adamwUpdate(
  g: Graph, p: Value, grad: Value, m: Value, v: Value,
  lr: Value, weightDecay: number, s: AdamWStepScalars, h: AdamWHyper,
): { param: Value; m: Value; v: Value } {
  const m2 = add(g, mul(g, m, g.scalar(h.beta1)), mul(g, grad, g.scalar(1 - h.beta1)));
  const v2 = add(g, mul(g, v, g.scalar(h.beta2)), mul(g, mul(g, grad, grad), g.scalar(1 - h.beta2)));
  const denom = add(g, mul(g, sqrt(g, v2), s.invSqrtBc2), g.scalar(h.eps));
  const step = mul(g, div(g, m2, denom), div(g, lr, s.bc1));
  const decayed = weightDecay > 0 ? mul(g, p, sub(g, g.scalar(1), mul(g, lr, g.scalar(weightDecay)))) : p;
  return { param: sub(g, decayed, step), m: m2, v: v2 };
}

export interface SgdHyper {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
}

/**
 * One SGD update of one tensor (torch.optim.SGD):
 *   d = g + wd·p;  b' = d on the first step, else μ·b + (1 − dampening)·d
 *   p' = p − lr·(nesterov ? d + μ·b' : b')           (momentum 0: p' = p − lr·d, no buffer)
 * `later` is 0 on the run's first step and 1 after it (a float scalar), so one graph serves
 * both: b' = (μ·later)·b + (1 − dampening·later)·d.
 */
export function sgdUpdate(
  g: Graph, p: Value, grad: Value, buf: Value | undefined,
  lr: Value, weightDecay: number, later: Value, h: SgdHyper,
): { param: Value; buf?: Value } {
  const d = weightDecay > 0 ? add(g, grad, mul(g, p, g.scalar(weightDecay))) : grad;
  if (h.momentum === 0 || !buf) return { param: sub(g, p, mul(g, d, lr)) };
  const keep = mul(g, later, g.scalar(h.momentum));
  const fresh = sub(g, g.scalar(1), mul(g, later, g.scalar(h.dampening)));
  const b2 = add(g, mul(g, buf, keep), mul(g, d, fresh));
  const dir = h.nesterov ? add(g, d, mul(g, b2, g.scalar(h.momentum))) : b2;
  return { param: sub(g, p, mul(g, dir, lr)), buf: b2 };
}

/** √(Σ over every element of every tensor of x²): the global L2 norm, a scalar. */
export function globalNorm(g: Graph, xs: readonly Value[]): Value {
  let total: Value | undefined;
  for (const x of xs) {
    const s = reduceSum(g, mul(g, x, x), Array.from({ length: x.rank }, (_, i) => i));
    total = total ? add(g, total, s) : s;
  }
  return sqrt(g, total ?? g.scalar(0));
}

/** torch.nn.utils.clip_grad_norm_'s factor: min(1, maxNorm / (norm + 1e-6)). */
export function clipScale(g: Graph, norm: Value, maxNorm: number): Value {
  return min(g, g.scalar(1), div(g, g.scalar(maxNorm), add(g, norm, g.scalar(1e-6))));
}
