/**
 * Element-wise arithmetic with NumPy broadcasting. Each op carries its gradient rule; rules for
 * binary ops sum the incoming gradient back to each operand's shape (`sumToShape`), because a
 * broadcast operand was used once per element it was stretched over.
 */
import type { BackwardRule, Graph, Value } from '../graph.js';
import { broadcastShapes } from '../shape.js';
import { sumToShape } from './reduce.js';
import { cast } from './shape-ops.js';

/** Gradients of a binary op: given dy and the node's (a, b, y), dL/da and dL/db before un-broadcasting. */
type BinaryGrads = (g: Graph, dy: Value, a: Value, b: Value, y: Value, needs: boolean[]) => [Value | undefined, Value | undefined];

function binaryRule(grads: BinaryGrads): BackwardRule {
  return (g, node, [dy], needs) => {
    if (!dy) return [undefined, undefined];
    const [a, b] = node.inputs as [Value, Value];
    const [da, db] = grads(g, dy, a, b, node.outputs[0]!, needs);
    return [needs[0] && da ? sumToShape(g, da, a) : undefined, needs[1] && db ? sumToShape(g, db, b) : undefined];
  };
}

function binary(g: Graph, op: string, a: Value, b: Value, rule: BackwardRule): Value {
  return g.node(op, [a, b], [{ dtype: a.dtype, shape: broadcastShapes(a.shape, b.shape) }], {}, rule)[0]!;
}

function unaryRule(dx: (g: Graph, dy: Value, x: Value, y: Value) => Value): BackwardRule {
  return (g, node, [dy], needs) => [dy && needs[0] ? dx(g, dy, node.inputs[0]!, node.outputs[0]!) : undefined];
}

function unary(g: Graph, op: string, x: Value, rule: BackwardRule): Value {
  return g.node(op, [x], [{ dtype: x.dtype, shape: x.shape }], {}, rule)[0]!;
}

export function add(g: Graph, a: Value, b: Value): Value {
  return binary(g, 'Add', a, b, binaryRule((_g, dy) => [dy, dy]));
}

export function sub(g: Graph, a: Value, b: Value): Value {
  return binary(g, 'Sub', a, b, binaryRule((g, dy, _a, _b, _y, needs) => [dy, needs[1] ? neg(g, dy) : undefined]));
}

export function mul(g: Graph, a: Value, b: Value): Value {
  return binary(g, 'Mul', a, b, binaryRule((g, dy, a, b, _y, needs) => [needs[0] ? mul(g, dy, b) : undefined, needs[1] ? mul(g, dy, a) : undefined]));
}

/** d(a/b) = da/b − a·db/b² = (da − y·db)/b, with y = a/b already computed. */
export function div(g: Graph, a: Value, b: Value): Value {
  return binary(g, 'Div', a, b, binaryRule((g, dy, _a, b, y, needs) => [
    needs[0] ? div(g, dy, b) : undefined,
    needs[1] ? neg(g, div(g, mul(g, dy, y), b)) : undefined,
  ]));
}

/**
 * Element-wise maximum (used as a clamp against a small constant). Ties send the gradient to a;
 * only the operands that need a gradient get one (a clamp's constant never does).
 */
export function max(g: Graph, a: Value, b: Value): Value {
  return binary(g, 'Max', a, b, binaryRule((g, dy, a, b, _y, needs) => {
    const ge = g.node('GreaterOrEqual', [a, b], [{ dtype: 'bool', shape: broadcastShapes(a.shape, b.shape) }])[0]!;
    const mask = cast(g, ge, dy.dtype);
    return [needs[0] ? mul(g, dy, mask) : undefined, needs[1] ? mul(g, dy, sub(g, g.scalar(1), mask)) : undefined];
  }));
}

export function pow(g: Graph, a: Value, b: Value): Value {
  return binary(g, 'Pow', a, b, binaryRule((g, dy, a, b, y, needs) => [
    needs[0] ? mul(g, dy, mul(g, b, pow(g, a, sub(g, b, g.scalar(1))))) : undefined,
    needs[1] ? mul(g, dy, mul(g, y, log(g, a))) : undefined,
  ]));
}

export function sqrt(g: Graph, x: Value): Value {
  return unary(g, 'Sqrt', x, unaryRule((g, dy, _x, y) => div(g, dy, mul(g, y, g.scalar(2)))));
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** d erf(x)/dx = 2/√π · exp(−x²). */
export function erf(g: Graph, x: Value): Value {
  if (x.dtype === 'float64') return erfFloat64(g, x);
  return unary(g, 'Erf', x, unaryRule((g, dy, x) => mul(g, dy, mul(g, exp(g, neg(g, mul(g, x, x))), g.scalar(TWO_OVER_SQRT_PI)))));
}

/**
 * ONNX Runtime's CPU provider has no double Erf kernel, and float64 graphs exist only so
 * gradients can be checked exactly by finite differences. So in float64, erf is composed from
 * primitives: erf(x) = 2/√π · x · e^(−x²) · Σₙ (2x²)ⁿ / (2n+1)!!, a series of positive terms
 * (no cancellation), nested as 1 + (2t/3)(1 + (2t/5)(1 + …)) with t = x². The nesting keeps
 * every constant ≥ 1/200: ORT's constant sharing merged the tiny Horner coefficients
 * (< 1e-45) of the plain polynomial form, which broke erf beyond |x| ≈ 2. |x| is clamped at 6,
 * where erf is 1 within 2e-17 and its slope 5e-16. The composition differentiates itself.
 */
const ERF_TERMS = 160;

function erfFloat64(g: Graph, x: Value): Value {
  const xc = neg(g, max(g, neg(g, max(g, x, g.scalar(-6))), g.scalar(-6)));
  const t = mul(g, xc, xc);
  let s = g.scalar(1);
  for (let n = ERF_TERMS - 1; n >= 1; n--) s = add(g, mul(g, mul(g, t, g.scalar(2 / (2 * n + 1))), s), g.scalar(1));
  return mul(g, mul(g, xc, g.scalar(TWO_OVER_SQRT_PI)), mul(g, exp(g, neg(g, t)), s));
}

export function tanh(g: Graph, x: Value): Value {
  return unary(g, 'Tanh', x, unaryRule((g, dy, _x, y) => mul(g, dy, sub(g, g.scalar(1), mul(g, y, y)))));
}

export function neg(g: Graph, x: Value): Value {
  return unary(g, 'Neg', x, unaryRule((g, dy) => neg(g, dy)));
}

export function exp(g: Graph, x: Value): Value {
  return unary(g, 'Exp', x, unaryRule((g, dy, _x, y) => mul(g, dy, y)));
}

export function log(g: Graph, x: Value): Value {
  return unary(g, 'Log', x, unaryRule((g, dy, x) => div(g, dy, x)));
}
