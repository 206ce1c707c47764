/**
 * Ops that move or relabel elements without arithmetic. Their gradients move the gradient
 * back: a reshape undoes itself with the input's runtime shape, a transpose with the inverse
 * permutation, a concat by splitting at the inputs' runtime sizes.
 */
import { type BackwardRule, type DType, type Dim, type Graph, type Value, isFloat } from '../graph.js';
import { OnnxDataType } from '../onnx-proto.js';
import { dimProduct, normAxis } from '../shape.js';
import { sumToShape } from './reduce.js';

/** Reshape dy back to the node's first input, whose shape is only known at run time. */
const reshapeBack: BackwardRule = (g, node, [dy], needs) => {
  const x = node.inputs[0]!;
  return [dy && needs[0] ? reshapeTo(g, dy, shapeOf(g, x), x.shape) : undefined, undefined];
};

/**
 * Reshape to a static `target` with ONNX's rules: each entry is a size, 0 (keep the input's
 * size at that position) or -1 (inferred). `outShape` gives the static output shape when the
 * inference here cannot (symbolic sizes); for a shape known only at run time use reshapeTo.
 */
export function reshape(g: Graph, x: Value, target: readonly number[], outShape?: readonly Dim[]): Value {
  const inferred = target.map((d, i) => (d === 0 ? x.shape[i]! : d));
  const known = inferred.filter((d) => d !== -1);
  const shape: Dim[] = outShape
    ? [...outShape]
    : inferred.map((d) => (d === -1 ? inferMissing(x.shape, known) : d));
  return g.node('Reshape', [x, g.int64s(target)], [{ dtype: x.dtype, shape }], {}, reshapeBack)[0]!;
}

function inferMissing(inShape: readonly Dim[], known: readonly Dim[]): Dim {
  const total = dimProduct(inShape);
  const rest = dimProduct(known);
  if (typeof total === 'number' && typeof rest === 'number') return total / rest;
  const remaining = [...inShape];
  for (const k of known) {
    const i = remaining.indexOf(k);
    if (i >= 0) remaining.splice(i, 1);
    else return `${total}/${rest}`;
  }
  return dimProduct(remaining);
}

/** Reshape with a runtime shape vector (for symbolic batch or sequence sizes). */
export function reshapeTo(g: Graph, x: Value, shapeValue: Value, outShape: readonly Dim[]): Value {
  return g.node('Reshape', [x, shapeValue], [{ dtype: x.dtype, shape: outShape }], {}, reshapeBack)[0]!;
}

export function transpose(g: Graph, x: Value, perm: number[]): Value {
  const shape = perm.map((p) => x.shape[p]!);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const rule: BackwardRule = (g, _node, [dy], needs) => [dy && needs[0] ? transpose(g, dy, inverse) : undefined];
  return g.node('Transpose', [x], [{ dtype: x.dtype, shape }], { perm }, rule)[0]!;
}

export function unsqueeze(g: Graph, x: Value, axes: number[]): Value {
  const rank = x.rank + axes.length;
  const set = new Set(axes.map((a) => normAxis(a, rank)));
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : x.shape[j++]!);
  return g.node('Unsqueeze', [x, g.int64s(axes)], [{ dtype: x.dtype, shape }], {}, reshapeBack)[0]!;
}

export function squeeze(g: Graph, x: Value, axes: number[]): Value {
  const set = new Set(axes.map((a) => normAxis(a, x.rank)));
  const shape = x.shape.filter((_, i) => !set.has(i));
  return g.node('Squeeze', [x, g.int64s(axes)], [{ dtype: x.dtype, shape }], {}, reshapeBack)[0]!;
}

export function concat(g: Graph, xs: Value[], axis: number): Value {
  const first = xs[0]!;
  const a = normAxis(axis, first.rank);
  const shape = [...first.shape];
  shape[a] = dimProduct(xs.map((x) => x.shape[a]!)) === 0 ? 0 : sumDims(xs.map((x) => x.shape[a]!));
  const rule: BackwardRule = (g, node, [dy], needs) => {
    if (!dy || !needs.some(Boolean)) return node.inputs.map(() => undefined);
    const sizes = concat(g, node.inputs.map((x) => shapeOf(g, x, a, a + 1)), 0);
    const parts = g.node('Split', [dy, sizes], node.inputs.map((x) => ({ dtype: dy.dtype, shape: x.shape })), { axis: a });
    return parts.map((p, i) => (needs[i] ? p : undefined));
  };
  return g.node('Concat', xs, [{ dtype: first.dtype, shape }], { axis }, rule)[0]!;
}

function sumDims(dims: Dim[]): Dim {
  return dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((s, d) => s + d, 0) : dims.join('+');
}

/** A gradient flows through a cast only between float types; integer paths are not differentiable. */
export function cast(g: Graph, x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  const rule: BackwardRule = (g, node, [dy], needs) => [dy && needs[0] && isFloat(to) && isFloat(node.inputs[0]!.dtype) ? cast(g, dy, node.inputs[0]!.dtype) : undefined];
  return g.node('Cast', [x], [{ dtype: to, shape: x.shape }], { to: OnnxDataType[to] }, rule)[0]!;
}

/** Broadcasts x to a runtime shape; its gradient sums back over the broadcast dims. */
export function expand(g: Graph, x: Value, shapeValue: Value, outShape: readonly Dim[]): Value {
  const rule: BackwardRule = (g, node, [dy], needs) => [dy && needs[0] ? sumToShape(g, dy, node.inputs[0]!) : undefined, undefined];
  return g.node('Expand', [x, shapeValue], [{ dtype: x.dtype, shape: outShape }], {}, rule)[0]!;
}

/** Zeros (of the graph's float type) with x's runtime shape. */
export function zerosLike(g: Graph, x: Value): Value {
  return expand(g, g.scalar(0), shapeOf(g, x), x.shape);
}

/** The runtime shape of x (optionally a slice of it) as an int64 vector. */
export function shapeOf(g: Graph, x: Value, start = 0, end = x.rank): Value {
  return g.node('Shape', [x], [{ dtype: 'int64', shape: [end - start] }], { start, end })[0]!;
}

/** 0, 1, …, n−1 where n is a scalar int64 value. */
export function range(g: Graph, n: Value, name?: string): Value {
  const zero = g.constant([0n], 'int64', []);
  const one = g.constant([1n], 'int64', []);
  return g.node('Range', [zero, n, one], [{ dtype: 'int64', shape: [name ?? 'n'] }])[0]!;
}
