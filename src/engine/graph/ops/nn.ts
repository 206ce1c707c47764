/** Neural-network building blocks that ONNX has as single ops. */
import type { Dim, Graph, Value } from '../graph.js';
import { normAxis } from '../shape.js';

/** Rows of `table` picked by integer `indices` along axis 0 (embedding lookup). */
export function gather(g: Graph, table: Value, indices: Value, axis = 0): Value {
  const a = normAxis(axis, table.rank);
  const shape: Dim[] = [...table.shape.slice(0, a), ...indices.shape, ...table.shape.slice(a + 1)];
  return g.node('Gather', [table, indices], [{ dtype: table.dtype, shape }], { axis: a })[0]!;
}

/** LayerNormalization over the last axis (opset 17). */
export function layerNorm(g: Graph, x: Value, weight: Value, bias: Value, epsilon: number): Value {
  return g.node('LayerNormalization', [x, weight, bias], [{ dtype: x.dtype, shape: x.shape }], { axis: -1, epsilon: { float: epsilon } })[0]!;
}

export function softmax(g: Graph, x: Value, axis = -1): Value {
  return g.node('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis })[0]!;
}

export function logSoftmax(g: Graph, x: Value, axis = -1): Value {
  return g.node('LogSoftmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis })[0]!;
}
