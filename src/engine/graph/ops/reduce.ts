/** Reductions over chosen axes, their gradients, and `sumToShape` (the gradient of broadcasting). */
import type { BackwardRule, Dim, Graph, Value } from '../graph.js';
import { normAxis } from '../shape.js';
import { div } from './elementwise.js';
import { gather } from './nn.js';
import { cast, expand, shapeOf, unsqueeze } from './shape-ops.js';

function reducedShape(x: Value, axes: number[], keepdims: boolean): Dim[] {
  const set = new Set(axes.map((a) => normAxis(a, x.rank)));
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Spreads dy (the reduced gradient) back over x's runtime shape. */
function unreduce(g: Graph, dy: Value, x: Value, axes: number[], keepdims: boolean): Value {
  const norm = axes.map((a) => normAxis(a, x.rank)).sort((a, b) => a - b);
  const kept = keepdims ? dy : unsqueeze(g, dy, norm);
  return expand(g, kept, shapeOf(g, x), x.shape);
}

export function reduceSum(g: Graph, x: Value, axes: number[], keepdims = false): Value {
  const shape = reducedShape(x, axes, keepdims);
  const rule: BackwardRule = (g, node, [dy], needs) => [dy && needs[0] ? unreduce(g, dy, node.inputs[0]!, axes, keepdims) : undefined, undefined];
  return g.node('ReduceSum', [x, g.int64s(axes)], [{ dtype: x.dtype, shape }], { keepdims: keepdims ? 1 : 0 }, rule)[0]!;
}

export function reduceMean(g: Graph, x: Value, axes: number[], keepdims = false): Value {
  const shape = reducedShape(x, axes, keepdims);
  const rule: BackwardRule = (g, node, [dy], needs) => {
    if (!dy || !needs[0]) return [undefined];
    const x = node.inputs[0]!;
    return [div(g, unreduce(g, dy, x, axes, keepdims), reducedCount(g, x, axes))];
  };
  return g.node('ReduceMean', [x], [{ dtype: x.dtype, shape }], { axes, keepdims: keepdims ? 1 : 0 }, rule)[0]!;
}

/** How many elements each reduced output averaged: static when the axes' sizes are known. */
function reducedCount(g: Graph, x: Value, axes: number[]): Value {
  const dims = axes.map((a) => x.shape[normAxis(a, x.rank)]!);
  if (dims.every((d) => typeof d === 'number')) return g.scalar((dims as number[]).reduce((p, d) => p * d, 1));
  const sizes = gather(g, shapeOf(g, x), g.int64s(axes.map((a) => normAxis(a, x.rank))));
  const prod = g.node('ReduceProd', [sizes], [{ dtype: 'int64', shape: [] }], { keepdims: 0 })[0]!;
  return cast(g, prod, g.floatType);
}

/**
 * Sums a gradient of a broadcast result back to `target`'s shape: leading dims the operand
 * lacked are summed away, and dims where the operand is 1 but the result is not are summed
 * with keepdims. Shapes are compared statically; a symbolic dim of the operand must match the
 * result's (two different symbols could be equal or broadcast at run time, so we refuse).
 */
export function sumToShape(g: Graph, grad: Value, target: Value): Value {
  const out = grad.shape;
  const tgt = target.shape;
  const lead = out.length - tgt.length;
  if (lead < 0) throw new Error(`internal: gradient rank ${out.length} below operand rank ${tgt.length}`);
  const keepAxes: number[] = [];
  tgt.forEach((d, i) => {
    const o = out[lead + i]!;
    if (d === o) return;
    if (d === 1) keepAxes.push(lead + i);
    else throw new Error(`internal: cannot sum gradient [${out.join(',')}] to operand [${tgt.join(',')}] (dim ${i}: ${d} vs ${o})`);
  });
  let r = grad;
  if (keepAxes.length) r = reduceSum(g, r, keepAxes, true);
  if (lead > 0) r = reduceSum(g, r, Array.from({ length: lead }, (_, i) => i), false);
  return r;
}


/** Index of the largest element along `axis` (int64, axis dropped). An index has no gradient. */
export function argMax(g: Graph, x: Value, axis: number): Value {
  const a = normAxis(axis, x.rank);
  const shape = x.shape.filter((_, i) => i !== a);
  return g.node('ArgMax', [x], [{ dtype: 'int64', shape }], { axis: a, keepdims: 0 })[0]!;
}
