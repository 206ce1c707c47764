/**
 * Finite-difference gradient checks: build loss = Σ(f(inputs) · R) with a fixed random R,
 * take the analytic gradients from one ONNX Runtime run (inputs are trainable params), and
 * compare sampled elements with central differences of the same graph.
 */
import assert from 'node:assert/strict';
import { Graph, grad, mul, reduceSum, type Value } from '../../src/engine/graph/index.js';
import { ort } from '../../src/engine/runtime/session.js';
import { Rng } from '../../src/engine/random.js';

export interface CheckInput {
  readonly shape: number[];
  /** Values; default standard normal. */
  readonly data?: number[];
  /** Where to draw default values: 'positive' keeps Log/Sqrt/Div-denominators away from 0. */
  readonly kind?: 'normal' | 'positive';
}

export interface CheckOptions {
  readonly floatType?: 'float32' | 'float64';
  readonly h?: number;
  readonly rtol?: number;
  readonly atol?: number;
  readonly samples?: number;
  readonly seed?: number;
}

type F = Float32Array | Float64Array;

export async function gradCheck(
  name: string,
  inputs: CheckInput[],
  build: (g: Graph, xs: Value[]) => Value,
  options: CheckOptions = {},
): Promise<{ worst: number }> {
  const ft = options.floatType ?? 'float64';
  const h = options.h ?? (ft === 'float64' ? 1e-6 : 1e-2);
  const rtol = options.rtol ?? (ft === 'float64' ? 1e-6 : 1e-2);
  const atol = options.atol ?? (ft === 'float64' ? 1e-8 : 1e-3);
  const rng = new Rng(options.seed ?? 1234);
  const Arr = ft === 'float64' ? Float64Array : Float32Array;
  const values: F[] = inputs.map((inp) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const data = inp.data ?? Array.from({ length: n }, () => (inp.kind === 'positive' ? 0.5 + rng.next() * 1.5 : rng.normal()));
    return Arr.from(data);
  });

  const g = new Graph({ floatType: ft });
  const xs = inputs.map((inp, i) => g.parameter(`x${i}`, { shape: inp.shape, data: values[i]! }, true));
  const y = build(g, xs);
  const yShape = y.shape.map((d) => {
    if (typeof d !== 'number') throw new Error('gradCheck: output shape must be static');
    return d;
  });
  const r = Array.from({ length: yShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const weighted = mul(g, y, g.constant(r, ft, yShape));
  const loss = yShape.length ? reduceSum(g, weighted, yShape.map((_, i) => i)) : weighted;
  const grads = grad(g, loss, xs);
  g.output(loss, 'loss');
  xs.forEach((x, i) => g.output(grads.get(x)!, `grad_${i}`));
  const session = await ort.InferenceSession.create(g.toBytes(), { executionProviders: ['cpu'] });
  const feeds = (vals: F[]) => Object.fromEntries(xs.map((x, i) => [x.name, new ort.Tensor(ft, vals[i]!, inputs[i]!.shape)]));
  const out = await session.run(feeds(values));
  const lossAt = async (vals: F[]) => Number((await session.run(feeds(vals)))['loss']!.data[0]);

  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const analytic = out[`grad_${i}`]!.data as F;
    assert.deepEqual([...out[`grad_${i}`]!.dims], inputs[i]!.shape, `${name}: grad ${i} shape`);
    const n = values[i]!.length;
    const samples = options.samples ?? 12;
    const picks = n <= samples ? [...Array(n).keys()] : Array.from({ length: samples }, () => rng.int(n));
    for (const k of picks) {
      const plus = values.map((v) => v.slice() as F);
      const minus = values.map((v) => v.slice() as F);
      plus[i]![k]! += h;
      minus[i]![k]! -= h;
      const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
      const a = analytic[k]!;
      const err = Math.abs(a - numeric);
      worst = Math.max(worst, err / (Math.abs(a) + Math.abs(numeric) + atol / rtol));
      assert.ok(err <= rtol * (Math.abs(a) + Math.abs(numeric)) + atol, `${name}: input ${i}[${k}] analytic ${a} vs numeric ${numeric}`);
    }
  }
  await session.release();
  return { worst };
}
