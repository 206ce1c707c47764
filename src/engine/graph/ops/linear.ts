/** Matrix products. */
import type { Graph, Value } from '../graph.js';
import { broadcastShapes } from '../shape.js';

/** Batched MatMul: [..., m, k] × [..., k, n] → [..., m, n] with broadcast batch dims. */
export function matmul(g: Graph, a: Value, b: Value): Value {
  if (a.rank < 2 || b.rank < 2) throw new Error('matmul needs rank ≥ 2 operands');
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!];
  return g.node('MatMul', [a, b], [{ dtype: a.dtype, shape }])[0]!;
}

/**
 * A fully connected layer on a 2-D input: x [n, in] · Wᵀ + b with W stored [out, in] as
 * PyTorch stores nn.Linear weights, so checkpoints need no transposition.
 */
export function linear(g: Graph, x: Value, weight: Value, bias?: Value): Value {
  if (x.rank !== 2 || weight.rank !== 2) throw new Error('linear expects a 2-D input and weight');
  const shape = [x.shape[0]!, weight.shape[0]!];
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return g.node('Gemm', inputs, [{ dtype: x.dtype, shape }], { transB: 1 })[0]!;
}
