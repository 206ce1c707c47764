/** Reductions over chosen axes. */
import type { Dim, Graph, Value } from '../graph.js';
import { normAxis } from '../shape.js';

function reducedShape(x: Value, axes: number[], keepdims: boolean): Dim[] {
  const set = new Set(axes.map((a) => normAxis(a, x.rank)));
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

export function reduceSum(g: Graph, x: Value, axes: number[], keepdims = false): Value {
  const shape = reducedShape(x, axes, keepdims);
  return g.node('ReduceSum', [x, g.int64s(axes)], [{ dtype: x.dtype, shape }], { keepdims: keepdims ? 1 : 0 })[0]!;
}

export function reduceMean(g: Graph, x: Value, axes: number[], keepdims = false): Value {
  const shape = reducedShape(x, axes, keepdims);
  return g.node('ReduceMean', [x], [{ dtype: x.dtype, shape }], { axes, keepdims: keepdims ? 1 : 0 })[0]!;
}
