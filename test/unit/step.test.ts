import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parameterShapes } from '../../src/engine/model/weights.js';
import { headParameterShapes } from '../../src/engine/model/heads.js';
import { isTrainableFor, parseFreezePolicy } from '../../src/engine/train/freeze.js';
import { AdamW, Sgd, layerLrMultiplier } from '../../src/engine/train/optimizer.js';
import { ParameterSet, applyUpdate } from '../../src/engine/train/step.js';
import { GradAccumulator } from '../../src/engine/train/accumulate.js';
import { globalNorm } from '../../src/engine/train/clip.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/random.js';
import { tinyConfig } from '../support/random-weights.js';

const config = tinyConfig({ numLayers: 2 });
const shapes = new Map([
  ...parameterShapes(config),
  ...headParameterShapes({ name: 'topic', labels: ['a', 'b', 'c'], hiddenSize: 8 }, config.hiddenSize),
  ...headParameterShapes({ name: 'sentiment', labels: ['p', 'n'] }, config.hiddenSize),
]);

function randomTensors(seed: number, std = 1): Map<string, Float32Array> {
  const rng = new Rng(seed);
  return new Map([...shapes].map(([n, s]) => {
    const a = new Float32Array(s.reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = std * rng.normal();
    return [n, a];
  }));
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const copyMap = (m: Map<string, Float32Array>) => new Map([...m].map(([k, v]) => [k, v.slice()]));

for (const policy of ['none', 'backbone', 'embeddings', 'bottom:1', 'bottom:2', 'all']) {
  test(`frozen parameters stay bit-identical (freeze=${policy}, head topic frozen)`, () => {
    const weights = randomTensors(1, 0.1);
    const before = copyMap(weights);
    const trainable = isTrainableFor(parseFreezePolicy(policy), { numLayers: 2, frozenHeads: ['topic'] });
    const params = new ParameterSet(weights, trainable);
    const opt = new AdamW({ weightDecay: 0.1 });
    for (let step = 0; step < 3; step++) {
      // Gradients for every tensor, frozen ones included (they must be ignored), two micro-batches.
      const micro = [randomTensors(100 + 2 * step), randomTensors(101 + 2 * step)];
      applyUpdate(params, micro, opt, 1e-2, { maxGradNorm: 1, lrMultiplier: (n) => layerLrMultiplier(n, 2, 0.9) });
    }
    for (const [name, data] of params.entries()) {
      if (params.isTrainable(name)) {
        assert.ok(!bytes(data).equals(bytes(before.get(name)!)), `${name} should have changed`);
      } else {
        assert.ok(bytes(data).equals(bytes(before.get(name)!)), `${name} is frozen but changed`);
        assert.equal(opt.stepsOf(name), 0, `${name} has optimizer state`);
      }
    }
    for (const n of params.names()) if (n.startsWith('heads.topic.')) assert.equal(params.isTrainable(n), false);
  });
}

test('the step is accumulate → clip → LR per group → optimizer, matching a by-hand composition', () => {
  const weights = randomTensors(3, 0.1);
  const trainable = isTrainableFor(parseFreezePolicy('bottom:1'), { numLayers: 2 });
  const params = new ParameterSet(copyMap(weights), trainable);
  const micro = [randomTensors(10), randomTensors(11), randomTensors(12)];
  const mult = (n: string) => layerLrMultiplier(n, 2, 0.5);
  const report = applyUpdate(params, micro.map(copyMap), new Sgd({ momentum: 0.9 }), 0.1, { maxGradNorm: 2, lrMultiplier: mult });

  // By hand, in float64: mean over micro-batches, norm over trainable tensors, scale, SGD.
  const names = [...weights.keys()].filter(trainable);
  const mean = new Map(names.map((n) => [n, Array.from(micro[0]!.get(n)!, (_, i) => (micro[0]!.get(n)![i]! + micro[1]!.get(n)![i]! + micro[2]!.get(n)![i]!) / 3)]));
  const norm = Math.sqrt([...mean.values()].flat().reduce((a, x) => a + x * x, 0));
  const scale = Math.min(1, 2 / (norm + 1e-6));
  assert.ok(Math.abs(report.gradNorm - norm) / norm < 1e-6, `norm ${report.gradNorm} vs ${norm}`);
  assert.ok(scale < 1, 'the test should exercise clipping');
  assert.ok(Math.abs(report.clipScale - scale) < 1e-6);
  assert.equal(report.microBatches, 3);
  assert.equal(report.tensors, names.length);
  for (const n of names) {
    const got = params.get(n);
    const w = weights.get(n)!;
    const lr = 0.1 * mult(n);
    for (let i = 0; i < got.length; i++) {
      const e = w[i]! - lr * mean.get(n)![i]! * scale;
      assert.ok(Math.abs(got[i]! - e) <= 1e-6 * Math.max(1, Math.abs(e)), `${n}[${i}]: ${got[i]} vs ${e}`);
    }
  }
  // Layer 1 moved with lr 0.1, embeddings untouched (frozen), and layer 0 frozen.
  assert.equal(mult('encoder.layer.1.output.dense.weight'), 1);
  assert.ok(bytes(params.get('encoder.layer.0.output.dense.weight')).equals(bytes(weights.get('encoder.layer.0.output.dense.weight')!)));
});

test('one micro-batch equals the same gradient given directly; a reused accumulator gives the same', () => {
  const w = randomTensors(4, 0.1);
  const g = randomTensors(20);
  const a = new ParameterSet(copyMap(w)), b = new ParameterSet(copyMap(w)), c = new ParameterSet(copyMap(w));
  const optA = new AdamW(), optB = new AdamW(), optC = new AdamW();
  const acc = new GradAccumulator();
  for (let s = 0; s < 2; s++) {
    applyUpdate(a, copyMap(g), optA, 1e-3);
    applyUpdate(b, [copyMap(g), copyMap(g)], optB, 1e-3);
    applyUpdate(c, [copyMap(g), copyMap(g)], optC, 1e-3, { accumulator: acc });
  }
  for (const n of a.names()) {
    assert.deepEqual(b.get(n), a.get(n));
    assert.deepEqual(c.get(n), a.get(n));
  }
});

test('clipping with a single map scales only trainable grads, in place', () => {
  const params = new ParameterSet(randomTensors(5), isTrainableFor(parseFreezePolicy('backbone'), { numLayers: 2 }));
  const g = randomTensors(6);
  const frozenBefore = g.get('embeddings.word_embeddings.weight')!.slice();
  const headNames = params.trainableNames();
  const expectedNorm = globalNorm(headNames.map((n) => g.get(n)!));
  const r = applyUpdate(params, g, new Sgd(), 0.1, { maxGradNorm: 0.5 });
  assert.ok(Math.abs(r.gradNorm - expectedNorm) < 1e-9 * expectedNorm, 'the norm counts trainable gradients only');
  assert.deepEqual(g.get('embeddings.word_embeddings.weight'), frozenBefore);
  assert.ok(Math.abs(globalNorm(headNames.map((n) => g.get(n)!)) - 0.5) < 1e-5);
});

function throwsArg(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SentenceLensError, String(e));
    assert.match(e.message, re);
    return true;
  });
}

test('bad gradients are refused before anything changes', () => {
  const w = randomTensors(7, 0.1);
  const params = new ParameterSet(copyMap(w), isTrainableFor(parseFreezePolicy('backbone'), { numLayers: 2 }));
  const opt = new AdamW();
  const g = randomTensors(8);
  g.get('heads.sentiment.out.weight')![5] = NaN;
  throwsArg(() => applyUpdate(params, g, opt, 1e-3), /gradient is not finite \(heads\.sentiment\.out\.weight\[5\] = NaN\); the step was not applied/);
  const missing = randomTensors(8);
  missing.delete('heads.topic.out.bias');
  throwsArg(() => applyUpdate(params, [randomTensors(8), missing], opt, 1e-3), /no gradient for trainable parameter "heads\.topic\.out\.bias" in micro-batch 2/);
  throwsArg(() => applyUpdate(params, new Map([...randomTensors(8), ['heads.x.out.weight', new Float32Array(1)]]), opt, 1e-3), /"heads\.x\.out\.weight" names no parameter/);
  throwsArg(() => applyUpdate(params, new Map([...randomTensors(8), ['heads.topic.out.bias', new Float32Array(1)]]), opt, 1e-3), /"heads\.topic\.out\.bias" has 1 elements, the parameter has 3/);
  throwsArg(() => applyUpdate(params, [], opt, 1e-3), /at least one micro-batch/);
  for (const [n, t] of params.entries()) assert.deepEqual(t, w.get(n), `${n} changed`);
  for (const n of params.names()) assert.equal(opt.stepsOf(n), 0);
});

test('ParameterSet counts', () => {
  const params = new ParameterSet(randomTensors(9), isTrainableFor(parseFreezePolicy('backbone'), { numLayers: 2 }));
  const c = params.count();
  const heads = [...shapes].filter(([n]) => n.startsWith('heads.')).reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
  assert.equal(c.trainable, heads);
  assert.equal(c.total, [...shapes.values()].reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0));
  assert.deepEqual([...params.trainable()].map(([n]) => n), params.trainableNames());
  throwsArg(() => params.get('nope'), /no parameter named "nope"/);
});
