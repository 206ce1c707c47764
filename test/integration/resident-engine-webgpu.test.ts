/**
 * The device-resident step engine on WebGPU (lavapipe in CI): what crosses the bus per step,
 * a refused step that changes nothing, and memory that stays flat over 500 steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collate, type Example } from '../../src/engine/data/dataset.js';
import { initHeadWeights } from '../../src/engine/model/heads.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import { tensorBytes } from '../../src/engine/runtime/transfers.js';
import { Rng } from '../../src/engine/random.js';
import { AdamW, Sgd } from '../../src/engine/train/optimizer.js';
import { createResidentEngine } from '../../src/engine/train/resident-runner.js';
import { ParameterSet } from '../../src/engine/train/step.js';
import { batchFeeds, type RunnerBatch } from '../../src/engine/train/step-runner.js';
import { randomBertWeights, tinyConfig } from '../support/random-weights.js';

const noGpu = await webgpuUnavailableReason();
const config = tinyConfig();
const tasks = [{ name: 'topic', labels: ['a', 'b', 'c'] }, { name: 'sentiment', labels: ['p', 'n'] }];
const rng = new Rng(1);
const examples: Example[] = Array.from({ length: 24 }, (_, i) => ({
  line: i + 2, text: '', ids: [2, ...Array.from({ length: 3 + (i % 5) }, () => 5 + rng.int(40)), 3],
  labels: { topic: i % 3, sentiment: i % 4 === 0 ? null : i % 2 },
}));

function parameters(poison?: string, c = config) {
  const shapes = new Map<string, number[]>();
  const tensors = new Map<string, Float32Array>();
  for (const [n, w] of [...randomBertWeights(c, 3), ...initHeadWeights(tasks, c.hiddenSize, 5)]) {
    shapes.set(n, [...w.shape]);
    tensors.set(n, Float32Array.from(w.data));
  }
  if (poison) tensors.get(poison)![0] = NaN;
  return { params: new ParameterSet(tensors), shapes };
}

function batch(step: number, size = 4): RunnerBatch {
  const indices = Array.from({ length: size }, (_, k) => (step * size + k) % examples.length);
  return { data: collate(examples, indices, tasks.map((t) => t.name), 0), indices, split: 'train' };
}

const engineFor = (p: ReturnType<typeof parameters>, gradAccum = 1, optimizer: AdamW | Sgd = new AdamW(), c = config) =>
  createResidentEngine({ config: c, params: p.params, tasks, pooling: 'mean', device: 'webgpu', optimizer, maxGradNorm: 1, gradAccum }, p.shapes);

test('per step only the batch goes up (plus the learning rate) and only losses, logits and the norm come down', { skip: noGpu }, async () => {
  const p = parameters();
  const weightBytes = p.params.count().trainable * 4;
  for (const accum of [1, 2]) {
    const engine = await engineFor(p, accum);
    for (let s = 0; s < 3; s++) {
      const window = Array.from({ length: accum }, (_, i) => batch(s * accum + i));
      const batchBytes = window.reduce((sum, b) => sum + Object.values(batchFeeds(b.data, tasks, config)).reduce((x, t) => x + tensorBytes(t), 0), 0);
      const r = await engine.step(window, window.map(() => 0), 1e-3);
      const moved = r.transfers.up + r.transfers.down;
      assert.ok(r.transfers.up >= batchBytes, `the batch itself goes up (${r.transfers.up} of ${batchBytes} bytes)`);
      assert.ok(moved <= 2 * batchBytes + 4096, `step ${s} (accumulation ${accum}): ${moved} bytes moved, batch ${batchBytes}, target ≤ ${2 * batchBytes + 4096}`);
      assert.ok(moved < weightBytes / 4, `far less than the ${weightBytes} bytes of trainable weights`);
    }
    await engine.release();
  }
});

test('a step whose gradient is not finite is refused and changes no weight, moment or step count', { skip: noGpu }, async () => {
  const p = parameters('heads.topic.out.weight');
  const before = new Map([...p.params.entries()].map(([n, t]) => [n, t.slice()]));
  const engine = await engineFor(p, 1, new Sgd({ momentum: 0.9 }));
  await assert.rejects(engine.step([batch(0)], [0], 1e-2), /gradient is not finite.*not applied/);
  await engine.syncWeights();
  for (const [n, t] of p.params.entries()) assert.deepEqual(t, before.get(n), `${n} unchanged`);
  const state = await engine.optimizerState();
  assert.equal(state.json.steps['heads.topic.out.bias'], 0, 'no step was counted');
  assert.equal(state.tensors.size, 0, 'torch makes SGD momentum buffers on the first applied step, not before');
  await engine.release();
});

test('memory stays flat over 500 GPU-resident steps (with evaluation and checkpoint syncs)', { skip: noGpu }, async () => {
  // Wide enough that one leaked set of state tensors (weights and two moments:
  // ~0.9 MB) per step would add ~360 MB over the 400 steps measured.
  const wide = tinyConfig({ hiddenSize: 64, intermediateSize: 128 });
  const engine = await engineFor(parameters(undefined, wide), 1, new AdamW(), wide);
  const rss = () => process.memoryUsage().rss / 2 ** 20;
  let warm = 0;
  for (let s = 0; s < 500; s++) {
    await engine.step([batch(s)], [0], 1e-4);
    if (s % 25 === 24) await engine.evaluate(batch(s));
    if (s % 100 === 99) {
      await engine.syncWeights();
      await engine.optimizerState();
    }
    if (s === 99) warm = rss();
  }
  const grown = rss() - warm;
  assert.ok(grown < 64, `RSS grew ${grown.toFixed(1)} MiB between step 100 and step 500`);
  await engine.release();
});
