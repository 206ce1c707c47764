import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdamW, Sgd, createOptimizer, layerLrMultiplier, layerwiseLrDecay, restoreOptimizer, type Optimizer, type OptimizerState,
} from '../../src/engine/train/optimizer.js';
import { SentenceLensError } from '../../src/engine/errors.js';

// ---- Independent float64 references, written straight from the PyTorch docs' pseudocode. ----

/** torch.optim.AdamW: p -= lr*wd*p; m, v EMAs; bias-corrected step with eps outside the sqrt. */
function refAdamW(p0: number[], grads: number[][], o: { lr: number; wd: number; b1?: number; b2?: number; eps?: number }): number[][] {
  const b1 = o.b1 ?? 0.9, b2 = o.b2 ?? 0.999, eps = o.eps ?? 1e-8;
  const p = [...p0], m = p0.map(() => 0), v = p0.map(() => 0);
  const out: number[][] = [];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! - o.lr * o.wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      const mHat = m[i]! / (1 - b1 ** t);
      const vHat = v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - o.lr * mHat / (Math.sqrt(vHat) + eps);
    }
    out.push([...p]);
  });
  return out;
}

/** torch.optim.SGD with weight decay, momentum, dampening, nesterov. */
function refSgd(p0: number[], grads: number[][], o: { lr: number; wd: number; mu: number; damp?: number; nesterov?: boolean }): number[][] {
  const p = [...p0];
  let buf: number[] | undefined;
  const out: number[][] = [];
  for (const g of grads) {
    const d = g.map((gi, i) => gi + o.wd * p[i]!);
    let step = d;
    if (o.mu !== 0) {
      buf = buf === undefined ? [...d] : buf.map((b, i) => o.mu * b + (1 - (o.damp ?? 0)) * d[i]!);
      step = o.nesterov ? d.map((di, i) => di + o.mu * buf![i]!) : buf;
    }
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - o.lr * step[i]!;
    out.push([...p]);
  }
  return out;
}

const P0 = [1.0, -2.0, 0.5];
const GRADS = [[0.1, -0.2, 0.3], [-0.05, 0.4, 0.1], [0.2, 0.0, -0.3]];

function close(actual: ArrayLike<number>, expected: readonly number[], what: string, rel = 2e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs expected ${expected[i]}`);
  }
}

function run(opt: Optimizer, name: string, lr: number, grads = GRADS, p0 = P0): Float32Array[] {
  const p = Float32Array.from(p0);
  return grads.map((g) => {
    opt.update(name, p, Float32Array.from(g), lr);
    return p.slice();
  });
}

test('the references give the numbers written out here (torch formulas, float64)', () => {
  // AdamW lr 0.1, wd 0.01, betas (0.9, 0.999), eps 1e-8. Step 1 is p·0.999 − 0.1·sign(g).
  const a = refAdamW(P0, GRADS, { lr: 0.1, wd: 0.01 });
  close(a[0]!, [0.8990000099999991, -1.8980000049999997, 0.39950000333333324], 'adamw ref step 1', 1e-15);
  close(a[1]!, [0.871467309393391, -1.9327123565410367, 0.3119941121538623], 'adamw ref step 2', 1e-15);
  close(a[2]!, [0.8047846870319881, -1.9590795518364226, 0.3068434210333065], 'adamw ref step 3', 1e-15);
  // SGD lr 0.1, momentum 0.9, wd 0.1.
  const s = refSgd(P0, GRADS, { lr: 0.1, wd: 0.1, mu: 0.9 });
  close(s[0]!, [0.98, -1.96, 0.465], 'sgd ref step 1', 1e-15);
  close(s[1]!, [0.9572, -1.9444, 0.41885], 'sgd ref step 2', 1e-15);
  close(s[2]!, [0.907108, -1.910916, 0.4031265], 'sgd ref step 3', 1e-15);
});

test('AdamW matches torch.optim.AdamW for 3 steps', () => {
  const got = run(new AdamW({ weightDecay: 0.01 }), 'encoder.layer.0.output.dense.weight', 0.1);
  refAdamW(P0, GRADS, { lr: 0.1, wd: 0.01 }).forEach((e, k) => close(got[k]!, e, `step ${k + 1}`));
});

test('AdamW with other betas, eps and a large weight decay', () => {
  const o = { lr: 0.003, wd: 0.3, b1: 0.8, b2: 0.95, eps: 1e-3 };
  const got = run(new AdamW({ beta1: o.b1, beta2: o.b2, eps: o.eps, weightDecay: o.wd }), 'heads.topic.out.weight', o.lr);
  refAdamW(P0, GRADS, o).forEach((e, k) => close(got[k]!, e, `step ${k + 1}`));
});

test('AdamW: no weight decay on biases and LayerNorm weights', () => {
  const opt = new AdamW({ weightDecay: 0.5 });
  const noDecay = refAdamW(P0, GRADS, { lr: 0.1, wd: 0 });
  const decay = refAdamW(P0, GRADS, { lr: 0.1, wd: 0.5 });
  for (const name of ['encoder.layer.1.output.dense.bias', 'embeddings.LayerNorm.weight', 'encoder.layer.0.attention.output.LayerNorm.weight', 'heads.sentiment.out.bias', 'embeddings.LayerNorm.bias']) {
    const got = run(opt, name, 0.1);
    noDecay.forEach((e, k) => close(got[k]!, e, `${name} step ${k + 1}`));
  }
  for (const name of ['embeddings.word_embeddings.weight', 'encoder.layer.0.attention.self.query.weight', 'heads.sentiment.out.weight']) {
    const got = run(opt, name, 0.1);
    decay.forEach((e, k) => close(got[k]!, e, `${name} step ${k + 1}`));
  }
});

test('step counts are per tensor', () => {
  const opt = new AdamW();
  const a = Float32Array.from(P0), b = Float32Array.from(P0);
  opt.update('heads.a.out.weight', a, Float32Array.from(GRADS[0]!), 0.1);
  opt.update('heads.a.out.weight', a, Float32Array.from(GRADS[1]!), 0.1);
  opt.update('heads.b.out.weight', b, Float32Array.from(GRADS[0]!), 0.1);
  assert.equal(opt.stepsOf('heads.a.out.weight'), 2);
  assert.equal(opt.stepsOf('heads.b.out.weight'), 1);
  close(b, refAdamW(P0, [GRADS[0]!], { lr: 0.1, wd: 0.01 })[0]!, 'b after its first step');
});

test('SGD matches torch.optim.SGD: plain, weight decay, momentum, dampening, nesterov', () => {
  const name = 'encoder.layer.0.intermediate.dense.weight';
  const cases = [
    { lr: 0.1, wd: 0, mu: 0 },
    { lr: 0.1, wd: 0.1, mu: 0 },
    { lr: 0.1, wd: 0.1, mu: 0.9 },
    { lr: 0.05, wd: 0.01, mu: 0.9, damp: 0.5 },
    { lr: 0.05, wd: 0.01, mu: 0.9, nesterov: true },
  ];
  for (const c of cases) {
    const got = run(new Sgd({ momentum: c.mu, weightDecay: c.wd, dampening: c.damp, nesterov: c.nesterov }), name, c.lr);
    refSgd(P0, GRADS, c).forEach((e, k) => close(got[k]!, e, `${JSON.stringify(c)} step ${k + 1}`));
  }
  // Biases get no weight decay with SGD either.
  const got = run(new Sgd({ momentum: 0.9, weightDecay: 0.5 }), 'heads.t.out.bias', 0.1);
  refSgd(P0, GRADS, { lr: 0.1, wd: 0, mu: 0.9 }).forEach((e, k) => close(got[k]!, e, `bias step ${k + 1}`));
});

function roundTrip(s: OptimizerState): OptimizerState {
  // What a checkpoint does: tensors copied out, JSON through text.
  return { tensors: new Map([...s.tensors].map(([k, v]) => [k, v.slice()])), json: JSON.parse(JSON.stringify(s.json)) };
}

for (const make of [() => new AdamW({ weightDecay: 0.1 }), () => new Sgd({ momentum: 0.9, weightDecay: 0.1 })]) {
  test(`${make().kind}: save after 2 steps, restore, step 3 is bit-identical`, () => {
    const names = ['encoder.layer.0.output.dense.weight', 'encoder.layer.0.output.dense.bias'];
    const a = make();
    const params = new Map(names.map((n) => [n, Float32Array.from(P0)]));
    for (const g of GRADS.slice(0, 2)) for (const n of names) a.update(n, params.get(n)!, Float32Array.from(g), 0.01);
    const saved = roundTrip(a.state());
    const paramsCopy = new Map([...params].map(([k, v]) => [k, v.slice()]));
    const b = restoreOptimizer(saved);
    assert.equal(b.kind, a.kind);
    for (const n of names) {
      a.update(n, params.get(n)!, Float32Array.from(GRADS[2]!), 0.01);
      b.update(n, paramsCopy.get(n)!, Float32Array.from(GRADS[2]!), 0.01);
      assert.deepEqual(paramsCopy.get(n), params.get(n));
      assert.equal(b.stepsOf(n), 3);
    }
    const sa = a.state(), sb = b.state();
    assert.deepEqual(sb.json, sa.json);
    assert.deepEqual([...sb.tensors.keys()].sort(), [...sa.tensors.keys()].sort());
    for (const [k, v] of sa.tensors) assert.deepEqual(sb.tensors.get(k), v);
  });
}

test('state: copy or live, names and JSON', () => {
  const opt = new AdamW();
  const p = Float32Array.from(P0);
  opt.update('heads.t.out.weight', p, Float32Array.from(GRADS[0]!), 0.1);
  const live = opt.state();
  const copy = opt.state({ copy: true });
  assert.deepEqual([...live.tensors.keys()].sort(), ['exp_avg/heads.t.out.weight', 'exp_avg_sq/heads.t.out.weight']);
  assert.deepEqual(live.json, { optimizer: 'adamw', version: 1, options: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, steps: { 'heads.t.out.weight': 1 } });
  opt.update('heads.t.out.weight', p, Float32Array.from(GRADS[1]!), 0.1);
  assert.notDeepEqual(copy.tensors.get('exp_avg/heads.t.out.weight'), live.tensors.get('exp_avg/heads.t.out.weight'));
});

function throwsArg(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_ARGUMENT' && re.test(e.message));
}

test('bad arguments and bad states are refused clearly', () => {
  const opt = new AdamW();
  throwsArg(() => opt.update('heads.t.out.weight', new Float32Array(3), new Float32Array(2), 0.1), /gradient for "heads\.t\.out\.weight" has 2 elements, the parameter has 3/);
  throwsArg(() => opt.update('heads.t.out.weight', new Float32Array(3), new Float32Array(3), NaN), /learning rate/);
  opt.update('heads.t.out.weight', new Float32Array(3), new Float32Array(3), 0.1);
  throwsArg(() => opt.update('heads.t.out.weight', new Float32Array(4), new Float32Array(4), 0.1), /state "exp_avg\/heads\.t\.out\.weight" has 3 elements/);
  throwsArg(() => new AdamW({ beta1: 1 }), /beta1 must be in \[0, 1\)/);
  throwsArg(() => new Sgd({ nesterov: true }), /nesterov/);
  throwsArg(() => createOptimizer({ kind: 'adam' } as never), /unknown optimizer "adam"; accepted: adamw, sgd/);
  const s = opt.state({ copy: true });
  throwsArg(() => Sgd.restore(s), /state is for "adamw", not "sgd"/);
  throwsArg(() => AdamW.restore({ tensors: s.tensors, json: { ...s.json, steps: {} } }), /has no step count/);
  throwsArg(() => AdamW.restore({ tensors: new Map(), json: s.json }), /moments are missing/);
  throwsArg(() => restoreOptimizer({ tensors: new Map(), json: { ...s.json, optimizer: 'lion' as never } }), /"lion"/);
});

test('layer-wise LR decay multipliers for a 6-layer model', () => {
  const d = 0.8;
  const m = (n: string) => layerLrMultiplier(n, 6, d);
  assert.equal(m('heads.topic.out.weight'), 1);
  assert.equal(m('heads.sentiment.dense.bias'), 1);
  assert.equal(m('pooler.dense.weight'), 1);
  assert.equal(m('encoder.layer.5.output.dense.weight'), 1);
  assert.equal(m('encoder.layer.4.attention.self.query.weight'), 0.8);
  close([m('encoder.layer.3.output.LayerNorm.bias')], [0.64], 'layer 3', 1e-15);
  close([m('encoder.layer.2.intermediate.dense.weight')], [0.512], 'layer 2', 1e-15);
  close([m('encoder.layer.1.output.dense.bias')], [0.4096], 'layer 1', 1e-15);
  close([m('encoder.layer.0.attention.output.dense.weight')], [0.32768], 'layer 0', 1e-15);
  close([m('embeddings.word_embeddings.weight')], [0.262144], 'embeddings', 1e-15);
  assert.equal(layerLrMultiplier('embeddings.word_embeddings.weight', 6, 1), 1);
  throwsArg(() => m('encoder.layer.6.output.dense.weight'), /layer 6.*numLayers = 6/);
  throwsArg(() => layerLrMultiplier('heads.t.out.weight', 6, 0), /decay must be in \(0, 1\]/);
  throwsArg(() => m('cls.predictions.bias'), /"cls\.predictions\.bias" is not/);
  const f = layerwiseLrDecay(6, d);
  for (const n of ['heads.topic.out.weight', 'encoder.layer.2.output.dense.bias', 'embeddings.LayerNorm.weight']) assert.equal(f(n), m(n));
  throwsArg(() => layerwiseLrDecay(6, 1.5), /decay must be in \(0, 1\]/);
});
