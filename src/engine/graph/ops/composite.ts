/**
 * Ops defined as compositions of primitives. They need no gradient rule of their own: the
 * backward sweep differentiates the primitives they expand to.
 */
import type { Graph, Value } from '../graph.js';
import { add, div, erf, max, mul, sqrt } from './elementwise.js';
import { reduceSum } from './reduce.js';

/** Exact GELU, as BERT's "gelu": x · ½ · (1 + erf(x / √2)). */
export function gelu(g: Graph, x: Value): Value {
  // Written in the order PyTorch exports it (Div → Erf → Add → Mul x → Mul ½), the pattern
  // ONNX Runtime's GeluFusion recognises and replaces with one fused kernel at inference.
  const inner = erf(g, div(g, x, g.scalar(Math.SQRT2)));
  return mul(g, mul(g, x, add(g, inner, g.scalar(1))), g.scalar(0.5));
}

/** x / max(‖x‖₂, eps) along the last axis, as torch.nn.functional.normalize. */
export function l2Normalize(g: Graph, x: Value, eps = 1e-12): Value {
  const norm = sqrt(g, reduceSum(g, mul(g, x, x), [-1], true));
  return div(g, x, max(g, norm, g.scalar(eps)));
}
