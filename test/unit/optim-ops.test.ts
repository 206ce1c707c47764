/**
 * The optimizer's graph form (graph/ops/optim.ts, run by GPU-resident training) against its
 * TypeScript form (train/optimizer.ts, PyTorch semantics) as the oracle: float64 graphs on the
 * CPU provider, several steps, every hyperparameter that changes the arithmetic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, adamwStepScalars, adamwUpdate, clipScale, globalNorm, sgdUpdate } from '../../src/engine/graph/index.js';
import { createSession, ort } from '../../src/engine/runtime/session.js';
import { clipGlobalNorm } from '../../src/engine/train/clip.js';
import { AdamW, Sgd } from '../../src/engine/train/optimizer.js';
import { Rng } from '../../src/engine/random.js';

const N = 7;
const rng = new Rng(4);
const vec = (scale = 1) => Float64Array.from({ length: N }, () => scale * rng.normal());
const f64 = (x: Float64Array | number[], dims = [N]) => new ort.Tensor('float64', Float64Array.from(x), dims);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-6) => {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1e-3, Math.abs(b[i]!)), `${what}[${i}]: graph ${a[i]}, TypeScript ${b[i]}`);
};

async function adamGraph(weightDecay: number) {
  const g = new Graph({ floatType: 'float64' });
  const [p, grad, m, v] = ['p', 'g', 'm', 'v'].map((n) => g.input(n, 'float64', [N]));
  const lr = g.input('lr', 'float64', []);
  const t = g.input('t', 'float64', []);
  const h = { beta1: 0.8, beta2: 0.95, eps: 1e-6 };
  const r = adamwUpdate(g, p!, grad!, m!, v!, lr, weightDecay, adamwStepScalars(g, t, h), h);
  g.output(r.param, 'p2');
  g.output(r.m, 'm2');
  g.output(r.v, 'v2');
  return createSession(g.toBytes(), 'cpu');
}

for (const wd of [0, 0.1]) {
  test(`AdamW in the graph equals AdamW in TypeScript over 5 steps (weight decay ${wd})`, async () => {
    const s = await adamGraph(wd);
    const ts = new AdamW({ beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: wd });
    const start = vec();
    const param = Float32Array.from(start);
    let [p, m, v]: Float64Array[] = [Float64Array.from(param), new Float64Array(N), new Float64Array(N)];
    for (let t = 1; t <= 5; t++) {
      const grad = vec(0.5);
      const lr = 0.01 * t;
      ts.update('w', param, Float32Array.from(grad), lr);
      const out = await s.run({ p: f64(p!), g: f64(Float64Array.from(Float32Array.from(grad))), m: f64(m!), v: f64(v!), lr: f64([lr], []), t: f64([t], []) });
      [p, m, v] = ['p2', 'm2', 'v2'].map((k) => out[k]!.data as Float64Array);
      close(p!, param, `step ${t} weights`, 1e-5);
      close(m!, ts.state().tensors.get('exp_avg/w')!, `step ${t} exp_avg`, 1e-5);
    }
    assert.ok(p!.some((x, i) => Math.abs(x - start[i]!) > 1e-3), 'the weights moved');
    await s.release();
  });
}

for (const o of [{ momentum: 0 }, { momentum: 0.9 }, { momentum: 0.9, dampening: 0.3 }, { momentum: 0.9, nesterov: true }]) {
  test(`SGD in the graph equals SGD in TypeScript over 4 steps (${JSON.stringify(o)}, weight decay 0.05)`, async () => {
    const g = new Graph({ floatType: 'float64' });
    const [p, grad] = ['p', 'g'].map((n) => g.input(n, 'float64', [N]));
    const b = o.momentum ? g.input('b', 'float64', [N]) : undefined;
    const lr = g.input('lr', 'float64', []);
    const later = g.input('later', 'float64', []);
    const h = { momentum: o.momentum, dampening: o.dampening ?? 0, nesterov: o.nesterov ?? false };
    const r = sgdUpdate(g, p!, grad!, b, lr, 0.05, later, h);
    g.output(r.param, 'p2');
    if (r.buf) g.output(r.buf, 'b2');
    const s = await createSession(g.toBytes(), 'cpu');
    const ts = new Sgd({ ...o, weightDecay: 0.05 });
    const param = Float32Array.from(vec());
    let [pp, bb]: Float64Array[] = [Float64Array.from(param), new Float64Array(N)];
    for (let t = 0; t < 4; t++) {
      const gr = Float32Array.from(vec(0.5));
      ts.update('w', param, gr, 0.1);
      const feeds: Record<string, ort.Tensor> = { p: f64(pp!), g: f64(Float64Array.from(gr)), lr: f64([0.1], []), later: f64([t > 0 ? 1 : 0], []) };
      if (o.momentum) feeds['b'] = f64(bb!);
      const out = await s.run(feeds);
      pp = out['p2']!.data as Float64Array;
      if (o.momentum) bb = out['b2']!.data as Float64Array;
      close(pp!, param, `step ${t + 1} weights`, 1e-5);
    }
    await s.release();
  });
}

test('global-norm clipping in the graph equals clipGlobalNorm (clipped and not clipped)', async () => {
  const g = new Graph({ floatType: 'float64' });
  const a = g.input('a', 'float64', [2, 3]);
  const b = g.input('b', 'float64', [4]);
  const norm = globalNorm(g, [a, b]);
  g.output(norm, 'norm');
  g.output(clipScale(g, norm, 1.5), 'scale');
  const s = await createSession(g.toBytes(), 'cpu');
  for (const k of [0.05, 3]) {
    const x = Float32Array.from({ length: 6 }, (_, i) => k * (i - 2.5));
    const y = Float32Array.from({ length: 4 }, (_, i) => k * (i + 1));
    const out = await s.run({ a: f64(Float64Array.from(x), [2, 3]), b: f64(Float64Array.from(y), [4]) });
    const ref = clipGlobalNorm([x.slice(), y.slice()], 1.5);
    close(out['norm']!.data as Float64Array, [ref.norm], `norm (×${k})`);
    close(out['scale']!.data as Float64Array, [ref.scale], `scale (×${k})`);
    if (k === 0.05) assert.equal((out['scale']!.data as Float64Array)[0], 1, 'a small norm is not clipped');
  }
  await s.release();
});
