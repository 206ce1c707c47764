/** Matrix products and their gradients. */
import type { BackwardRule, Graph, Value } from '../graph.js';
import { broadcastShapes } from '../shape.js';
import { reduceSum, sumToShape } from './reduce.js';
import { transpose } from './shape-ops.js';

function swapLast(g: Graph, x: Value): Value {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [x.rank - 1, x.rank - 2];
  return transpose(g, x, perm);
}

/**
 * dA = dY·Bᵀ, dB = Aᵀ·dY per batch entry; an operand broadcast over batch dims gets its
 * gradient summed over them.
 */
const matmulRule: BackwardRule = (g, node, [dy], needs) => {
  if (!dy) return [undefined, undefined];
  const [a, b] = node.inputs as [Value, Value];
  return [
    needs[0] ? sumToShape(g, matmul(g, dy, swapLast(g, b)), a) : undefined,
    needs[1] ? sumToShape(g, matmul(g, swapLast(g, a), dy), b) : undefined,
  ];
};

/** Batched MatMul: [..., m, k] × [..., k, n] → [..., m, n] with broadcast batch dims. */
export function matmul(g: Graph, a: Value, b: Value): Value {
  if (a.rank < 2 || b.rank < 2) throw new Error('matmul needs rank ≥ 2 operands');
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!];
  return g.node('MatMul', [a, b], [{ dtype: a.dtype, shape }], {}, matmulRule)[0]!;
}

/** Y = X·Wᵀ + b: dX = dY·W, dW = dYᵀ·X (one Gemm with transA), db = Σ_rows dY. */
const linearRule: BackwardRule = (g, node, [dy], needs) => {
  if (!dy) return node.inputs.map(() => undefined);
  const [x, w] = node.inputs as [Value, Value];
  return [
    needs[0] ? matmul(g, dy, w) : undefined,
    needs[1] ? g.node('Gemm', [dy, x], [{ dtype: dy.dtype, shape: w.shape }], { transA: 1 })[0]! : undefined,
    needs[2] ? reduceSum(g, dy, [0]) : undefined,
  ];
};

/**
 * A fully connected layer on a 2-D input: x [n, in] · Wᵀ + b with W stored [out, in] as
 * PyTorch stores nn.Linear weights, so checkpoints need no transposition.
 */
export function linear(g: Graph, x: Value, weight: Value, bias?: Value): Value {
  if (x.rank !== 2 || weight.rank !== 2) throw new Error('linear expects a 2-D input and weight');
  const frozen = g.lowerLinear && g.frozenTensor(weight);
  const lowered = frozen ? g.lowerLinear!(g, x, frozen, bias, weight.name) : undefined;
  if (lowered) return lowered;
  const shape = [x.shape[0]!, weight.shape[0]!];
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return g.node('Gemm', inputs, [{ dtype: x.dtype, shape }], { transB: 1 }, linearRule)[0]!;
}
