/**
 * Integer index arithmetic (position ids computed from token ids). These ops carry no gradient
 * rule because nothing flows back through integers: they only ever feed Gather's indices,
 * whose rule gives them no gradient. They refuse float inputs so they cannot be misused where
 * a gradient would be expected.
 */
import type { Graph, Value } from '../graph.js';

function requireInteger(op: string, x: Value): void {
  if (x.dtype !== 'int64' && x.dtype !== 'int32') throw new Error(`internal: ${op} is for integer tensors, got ${x.dtype}`);
}

/** 1 where x ≠ value, else 0, as int64 (same shape as x). */
export function notEqualMask(g: Graph, x: Value, value: number): Value {
  requireInteger('notEqualMask', x);
  const eq = g.node('Equal', [x, g.constant([BigInt(value)], x.dtype, [])], [{ dtype: 'bool', shape: x.shape }])[0]!;
  const ne = g.node('Not', [eq], [{ dtype: 'bool', shape: x.shape }])[0]!;
  return g.node('Cast', [ne], [{ dtype: 'int64', shape: x.shape }], { to: 7 })[0]!;
}

/** Inclusive running sum along `axis` (ONNX CumSum). */
export function cumsum(g: Graph, x: Value, axis: number): Value {
  requireInteger('cumsum', x);
  return g.node('CumSum', [x, g.constant([BigInt(axis)], 'int64', [])], [{ dtype: x.dtype, shape: x.shape }])[0]!;
}
