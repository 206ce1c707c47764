/**
 * Reverse-mode differentiation on the recorded graph, as micrograd's backward() one level up:
 * the nodes are ONNX ops on tensors and the sweep emits more ONNX nodes instead of numbers.
 */
import { type Graph, type Node, type Value, isFloat } from './graph.js';
import { add } from './ops/elementwise.js';
import { expand, shapeOf } from './ops/shape-ops.js';

/**
 * Emits nodes computing d(loss)/d(p) for each p in `params` and returns p → gradient (same
 * shape). Only nodes downstream of some param get backward nodes, so the sweep stops at the
 * lowest trainable parameter and frozen weights (initializers) cost nothing. Integer values
 * (ids, shapes, masks before their cast) are not differentiable and stop the sweep too.
 * A param the loss does not depend on gets zeros.
 */
export function grad(g: Graph, loss: Value, params: readonly Value[]): Map<Value, Value> {
  if (!isFloat(loss.dtype)) throw new Error(`grad: loss ${loss.name} is ${loss.dtype}, not a float`);
  // Nodes are recorded in topological order (an op needs its inputs before it exists), so the
  // recorded order is a valid forward sweep; backward nodes appended below are not part of it.
  const forward = g.nodes.slice();
  const needs = new Set<Value>(params);
  const active: Node[] = [];
  for (const n of forward) {
    if (!n.inputs.some((v) => needs.has(v))) continue;
    active.push(n);
    for (const o of n.outputs) if (isFloat(o.dtype)) needs.add(o);
  }

  const grads = new Map<Value, Value>();
  if (needs.has(loss)) grads.set(loss, ones(g, loss));
  for (let i = active.length - 1; i >= 0; i--) {
    const n = active[i]!;
    const outGrads = n.outputs.map((o) => grads.get(o));
    if (outGrads.every((d) => d === undefined)) continue; // not on a path to the loss
    if (!n.backward) throw new Error(`grad: no gradient rule for ${n.op} (producing ${n.outputs[0]?.name})`);
    const inNeeds = n.inputs.map((v) => needs.has(v) && isFloat(v.dtype));
    const inGrads = n.backward(g, n, outGrads, inNeeds);
    n.inputs.forEach((v, j) => {
      const d = inGrads[j];
      if (!d || !inNeeds[j]) return;
      const prev = grads.get(v);
      // A value read by several nodes (fan-out) receives the sum of their gradients.
      grads.set(v, prev ? add(g, prev, d) : d);
    });
  }

  const out = new Map<Value, Value>();
  for (const p of params) out.set(p, grads.get(p) ?? expand(g, g.scalar(0), g.int64s(p.shape.map(Number)), p.shape));
  return out;
}

function ones(g: Graph, v: Value): Value {
  if (v.rank === 0) return g.scalar(1);
  return expand(g, g.scalar(1), shapeOf(g, v), v.shape);
}
