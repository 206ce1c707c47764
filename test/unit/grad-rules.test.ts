/**
 * Finite-difference checks of every gradient rule. float64 (h = 1e-6, relative tolerance
 * 1e-6) wherever ONNX Runtime's CPU provider has a double kernel; Erf has none, so its ONNX
 * rule is checked in float32 (h = 1e-2, relative tolerance 1e-2) and the float64 erf
 * composition (used by float64 graphs) is checked in float64 and against known values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Graph, add, cast, concat, div, erf, exp, expand, gather, gelu, grad, l2Normalize, layerNorm, linear, log, logSoftmax, matmul, max, mul,
  neg, pow, reduceMean, reduceSum, reshape, reshapeTo, shapeOf, softmax, sqrt, squeeze, sub, tanh, transpose, unsqueeze,
} from '../../src/engine/graph/index.js';
import { ort } from '../../src/engine/runtime/session.js';
import { gradCheck, type CheckInput } from '../support/gradcheck.js';

const s = (...shape: number[]): CheckInput => ({ shape });
const pos = (...shape: number[]): CheckInput => ({ shape, kind: 'positive' });

const cases: [string, CheckInput[], (g: Graph, x: any[]) => any][] = [
  ['Add broadcast [2,3,4]+[4]', [s(2, 3, 4), s(4)], (g, [a, b]) => add(g, a, b)],
  ['Add broadcast [2,1,4]+[3,1]', [s(2, 1, 4), s(3, 1)], (g, [a, b]) => add(g, a, b)],
  ['Sub broadcast', [s(3, 4), s(1, 4)], (g, [a, b]) => sub(g, a, b)],
  ['Mul broadcast', [s(2, 3, 4), s(3, 1)], (g, [a, b]) => mul(g, a, b)],
  ['Mul same input twice (fan-out)', [s(3, 4)], (g, [a]) => mul(g, a, a)],
  ['Div broadcast', [s(2, 3), pos(3)], (g, [a, b]) => div(g, a, b)],
  ['Max', [s(3, 4), s(3, 4)], (g, [a, b]) => max(g, a, b)],
  ['Max against scalar broadcast', [s(3, 4), s(1)], (g, [a, b]) => max(g, a, b)],
  ['Pow', [pos(3, 4), s(3, 4)], (g, [a, b]) => pow(g, a, b)],
  ['Sqrt', [pos(3, 4)], (g, [a]) => sqrt(g, a)],
  ['Tanh', [s(3, 4)], (g, [a]) => tanh(g, a)],
  ['Neg', [s(3, 4)], (g, [a]) => neg(g, a)],
  ['Exp', [s(3, 4)], (g, [a]) => exp(g, a)],
  ['Log', [pos(3, 4)], (g, [a]) => log(g, a)],
  ['erf (float64 composition)', [{ shape: [8], data: [-7, -2.5, -1, -0.3, 0, 0.4, 1.7, 3.2] }], (g, [a]) => erf(g, a)],
  ['gelu', [s(3, 4)], (g, [a]) => gelu(g, a)],
  ['l2Normalize', [s(3, 4)], (g, [a]) => l2Normalize(g, a)],
  ['ReduceSum axis 1', [s(2, 3, 4)], (g, [a]) => reduceSum(g, a, [1])],
  ['ReduceSum axes [0,2] keepdims', [s(2, 3, 4)], (g, [a]) => reduceSum(g, a, [0, 2], true)],
  ['ReduceMean axis -1 keepdims', [s(2, 3, 4)], (g, [a]) => reduceMean(g, a, [-1], true)],
  ['ReduceMean axes [0,1]', [s(2, 3, 4)], (g, [a]) => reduceMean(g, a, [0, 1])],
  ['LayerNormalization', [s(2, 3, 5), pos(5), s(5)], (g, [x, w, b]) => layerNorm(g, x, w, b, 1e-5)],
  ['Softmax axis -1', [s(2, 3, 4)], (g, [a]) => softmax(g, a, -1)],
  ['Softmax axis 1', [s(2, 3, 4)], (g, [a]) => softmax(g, a, 1)],
  ['LogSoftmax', [s(3, 5)], (g, [a]) => logSoftmax(g, a, -1)],
  ['MatMul 2-D', [s(3, 4), s(4, 5)], (g, [a, b]) => matmul(g, a, b)],
  ['MatMul batched', [s(2, 3, 4, 5), s(2, 3, 5, 2)], (g, [a, b]) => matmul(g, a, b)],
  ['MatMul broadcast batch [2,1,4,5]×[3,5,2]', [s(2, 1, 4, 5), s(3, 5, 2)], (g, [a, b]) => matmul(g, a, b)],
  ['MatMul rank 3 × rank 2', [s(2, 4, 5), s(5, 3)], (g, [a, b]) => matmul(g, a, b)],
  ['Gemm transB with bias', [s(4, 5), s(3, 5), s(3)], (g, [x, w, b]) => linear(g, x, w, b)],
  ['Gemm transB without bias', [s(4, 5), s(3, 5)], (g, [x, w]) => linear(g, x, w)],
  ['Gather axis 0, repeated indices', [s(6, 3)], (g, [t]) => gather(g, t, g.constant([1n, 4n, 1n, 0n, 1n, 5n], 'int64', [2, 3]))],
  ['Gather axis 1, scalar index (CLS pooling)', [s(2, 4, 3)], (g, [t]) => gather(g, t, g.constant([0n], 'int64', []), 1)],
  ['Gather axis 1, index vector', [s(2, 4, 3)], (g, [t]) => gather(g, t, g.constant([3n, 1n, 3n], 'int64', [3]), 1)],
  ['Reshape static', [s(2, 3, 4)], (g, [a]) => reshape(g, a, [-1, 4])],
  ['Reshape runtime shape', [s(2, 3, 4)], (g, [a]) => reshapeTo(g, a, g.int64s([3, 8]), [3, 8])],
  ['Transpose', [s(2, 3, 4)], (g, [a]) => transpose(g, a, [2, 0, 1])],
  ['Unsqueeze', [s(3, 4)], (g, [a]) => unsqueeze(g, a, [0, 2])],
  ['Squeeze', [s(3, 1, 4)], (g, [a]) => squeeze(g, a, [1])],
  ['Concat', [s(2, 3), s(2, 1), s(2, 2)], (g, [a, b, c]) => concat(g, [a, b, c], 1)],
  ['Expand', [s(3, 1)], (g, [a]) => expand(g, a, g.int64s([2, 3, 4]), [2, 3, 4])],
  ['Expand via Shape', [s(4)], (g, [a]) => expand(g, a, shapeOf(g, g.constant(new Array(12).fill(0), g.floatType, [3, 4])), [3, 4])],
];

for (const [name, inputs, build] of cases) {
  test(`grad rule (float64): ${name}`, async () => {
    await gradCheck(name, inputs, build);
  });
}

test('grad rule (float32, no double Erf kernel in ORT CPU): Erf', async () => {
  await gradCheck('Erf', [s(3, 4)], (g, [a]) => erf(g, a!), { floatType: 'float32', h: 1e-2, rtol: 1e-2 });
});

test('grad rule (float32): Cast float→double→float passes the gradient through', async () => {
  await gradCheck('Cast', [s(3, 4)], (g, [a]) => cast(g, mul(g, cast(g, a!, 'float64'), g.constant([2], 'float64', [])), 'float32'), { floatType: 'float32' });
});

test('float64 erf composition matches known values to 3e-15', async () => {
  const xs = [-7, -3, -1, -0.5, 0, 0.1, 0.5, 1, 2, 3, 5.5, 8];
  const known = [-1, -0.9999779095030014, -0.8427007929497149, -0.5204998778130465, 0, 0.1124629160182849, 0.5204998778130465,
    0.8427007929497149, 0.9953222650189527, 0.9999779095030014, 0.9999999999999927, 1];
  const g = new Graph({ floatType: 'float64' });
  const x = g.input('x', 'float64', [xs.length]);
  g.output(erf(g, x), 'y');
  const session = await ort.InferenceSession.create(g.toBytes());
  const y = (await session.run({ x: new ort.Tensor('float64', Float64Array.from(xs), [xs.length]) }))['y']!.data as Float64Array;
  y.forEach((v, i) => assert.ok(Math.abs(v - known[i]!) < 3e-15, `erf(${xs[i]}) = ${v}, expected ${known[i]}`));
});

test('Max builds only the gradients asked for: clamping against a constant emits nothing for the constant', () => {
  const backwardOps = (bothNeed: boolean): string[] => {
    const g = new Graph();
    const x = g.parameter('x', { shape: [3], data: Float32Array.from([1, -2, 3]) }, true);
    const y = bothNeed ? g.parameter('y', { shape: [3], data: Float32Array.from([0, 0, 0]) }, true) : g.scalar(0);
    const loss = reduceSum(g, max(g, x, y), [0]);
    const forward = g.nodes.length;
    grad(g, loss, bothNeed ? [x, y] : [x]);
    return g.nodes.slice(forward).map((n) => n.op);
  };
  // dL/dx = dy·[x ≥ y]; dL/dy would need dy·(1 − [x ≥ y]): a Sub and a second Mul.
  assert.equal(backwardOps(true).filter((op) => op === 'Sub').length, 1);
  assert.equal(backwardOps(false).filter((op) => op === 'Sub').length, 0);
});
