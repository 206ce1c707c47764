/** Neural-network building blocks that ONNX has as single ops, with their gradients. */
import type { BackwardRule, Dim, Graph, Value } from '../graph.js';
import { normAxis } from '../shape.js';
import { add, div, exp, mul, sqrt, sub } from './elementwise.js';
import { reduceMean, reduceSum } from './reduce.js';
import { expand, shapeOf, transpose, unsqueeze } from './shape-ops.js';

/**
 * The table's gradient is a scatter-add of dY's rows into zeros: ScatterND with
 * reduction='add' (opset 16) accumulates repeated indices (the same token twice, positions
 * repeated across the batch) and touches only the rows used, unlike a one-hot MatMul whose
 * cost grows with the vocabulary. For axis ≠ 0 the gathered axis is moved to the front first.
 */
const gatherRule: BackwardRule = (g, node, [dy], needs) => {
  if (!dy || !needs[0]) return [undefined, undefined];
  const [table, indices] = node.inputs as [Value, Value];
  const a = node.attrs['axis'] as number;
  const r = indices.rank;
  const idx = unsqueeze(g, indices, [-1]);
  if (a === 0) return [scatterAdd(g, expand(g, g.scalar(0), shapeOf(g, table), table.shape), idx, dy), undefined];
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const dyT = transpose(g, dy, [...range(a, a + r), ...range(0, a), ...range(a + r, dy.rank)]);
  const tablePerm = [a, ...range(0, a), ...range(a + 1, table.rank)];
  const zerosShape = gather(g, shapeOf(g, table), g.int64s(tablePerm));
  const zeros = expand(g, g.scalar(0), zerosShape, tablePerm.map((p) => table.shape[p]!));
  const inverse = tablePerm.map((_, i) => tablePerm.indexOf(i));
  return [transpose(g, scatterAdd(g, zeros, idx, dyT), inverse), undefined];
};

function scatterAdd(g: Graph, data: Value, indices: Value, updates: Value): Value {
  return g.node('ScatterND', [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], { reduction: 'add' })[0]!;
}

/** Rows of `table` picked by integer `indices` along axis 0 (embedding lookup). */
export function gather(g: Graph, table: Value, indices: Value, axis = 0): Value {
  const a = normAxis(axis, table.rank);
  const shape: Dim[] = [...table.shape.slice(0, a), ...indices.shape, ...table.shape.slice(a + 1)];
  return g.node('Gather', [table, indices], [{ dtype: table.dtype, shape }], { axis: a }, gatherRule)[0]!;
}

/**
 * With x̂ = (x − μ)·r, r = 1/√(σ² + ε) over the last axis, y = γ·x̂ + β:
 *   dx = r · (g − mean(g) − x̂ · mean(g·x̂)),  g = dy·γ;   dγ = Σ dy·x̂;   dβ = Σ dy
 * (sums over every axis but the last). μ and r are recomputed rather than taken from the
 * op's optional outputs, so the forward node stays the one ORT fuses at inference.
 */
export function layerNorm(g: Graph, x: Value, weight: Value, bias: Value, epsilon: number): Value {
  const rule: BackwardRule = (g, node, [dy], needs) => {
    if (!dy) return [undefined, undefined, undefined];
    const [x, gamma] = node.inputs as [Value, Value];
    const xc = sub(g, x, reduceMean(g, x, [-1], true));
    const r = div(g, g.scalar(1), sqrt(g, add(g, reduceMean(g, mul(g, xc, xc), [-1], true), g.scalar(epsilon))));
    const xhat = mul(g, xc, r);
    const lead = Array.from({ length: x.rank - 1 }, (_, i) => i);
    let dx: Value | undefined;
    if (needs[0]) {
      const gy = mul(g, dy, gamma);
      const centred = sub(g, gy, reduceMean(g, gy, [-1], true));
      dx = mul(g, r, sub(g, centred, mul(g, xhat, reduceMean(g, mul(g, gy, xhat), [-1], true))));
    }
    return [dx, needs[1] ? reduceSum(g, mul(g, dy, xhat), lead) : undefined, needs[2] ? reduceSum(g, dy, lead) : undefined];
  };
  return g.node('LayerNormalization', [x, weight, bias], [{ dtype: x.dtype, shape: x.shape }], { axis: -1, epsilon: { float: epsilon } }, rule)[0]!;
}

/** dx = y · (dy − Σ dy·y) along the axis. */
export function softmax(g: Graph, x: Value, axis = -1): Value {
  const rule: BackwardRule = (g, node, [dy], needs) => {
    if (!dy || !needs[0]) return [undefined];
    const y = node.outputs[0]!;
    return [mul(g, y, sub(g, dy, reduceSum(g, mul(g, dy, y), [axis], true)))];
  };
  return g.node('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis }, rule)[0]!;
}

/** dx = dy − softmax(x) · Σ dy along the axis, with softmax(x) = exp(y). */
export function logSoftmax(g: Graph, x: Value, axis = -1): Value {
  const rule: BackwardRule = (g, node, [dy], needs) => {
    if (!dy || !needs[0]) return [undefined];
    const y = node.outputs[0]!;
    return [sub(g, dy, mul(g, exp(g, y), reduceSum(g, dy, [axis], true)))];
  };
  return g.node('LogSoftmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis }, rule)[0]!;
}
