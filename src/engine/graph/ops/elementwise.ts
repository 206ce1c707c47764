/** Element-wise arithmetic with NumPy broadcasting. */
import type { Graph, Value } from '../graph.js';
import { broadcastShapes } from '../shape.js';

function binary(g: Graph, op: string, a: Value, b: Value): Value {
  return g.node(op, [a, b], [{ dtype: a.dtype, shape: broadcastShapes(a.shape, b.shape) }])[0]!;
}

function unary(g: Graph, op: string, x: Value): Value {
  return g.node(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export const add = (g: Graph, a: Value, b: Value): Value => binary(g, 'Add', a, b);
export const sub = (g: Graph, a: Value, b: Value): Value => binary(g, 'Sub', a, b);
export const mul = (g: Graph, a: Value, b: Value): Value => binary(g, 'Mul', a, b);
export const div = (g: Graph, a: Value, b: Value): Value => binary(g, 'Div', a, b);
/** Element-wise maximum (used as a clamp against a small constant). */
export const max = (g: Graph, a: Value, b: Value): Value => binary(g, 'Max', a, b);
export const pow = (g: Graph, a: Value, b: Value): Value => binary(g, 'Pow', a, b);

export const sqrt = (g: Graph, x: Value): Value => unary(g, 'Sqrt', x);
export const erf = (g: Graph, x: Value): Value => unary(g, 'Erf', x);
export const tanh = (g: Graph, x: Value): Value => unary(g, 'Tanh', x);
export const neg = (g: Graph, x: Value): Value => unary(g, 'Neg', x);
export const exp = (g: Graph, x: Value): Value => unary(g, 'Exp', x);
export const log = (g: Graph, x: Value): Value => unary(g, 'Log', x);
