/** One training step (with dropout) on the WebGPU provider matches the CPU provider. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrainingGraph } from '../../src/engine/train/train-graph.js';
import { dropoutSeed } from '../../src/engine/graph/ops/dropout.js';
import { initHeadWeights } from '../../src/engine/model/heads.js';
import { ort } from '../../src/engine/runtime/session.js';
import { randomBertWeights, tinyConfig } from '../support/random-weights.js';
import { skipUnlessCi } from '../support/webgpu.js';

test('training step: WebGPU losses and gradients match CPU', async (t) => {
  const config = tinyConfig();
  const tasks = [{ name: 'topic', labels: ['a', 'b', 'c'] }, { name: 'sentiment', labels: ['p', 'n'] }];
  const backbone = randomBertWeights(config, 3);
  const heads = initHeadWeights(tasks, config.hiddenSize, 5);
  const { graph, trainable } = buildTrainingGraph(config, backbone, heads, tasks, { pooling: 'mean', isTrainable: () => true, dropout: { seedInput: true } });
  const bytes = graph.toBytes();
  let gpu: ort.InferenceSession;
  try {
    gpu = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] });
  } catch (e) {
    skipUnlessCi(t, `no WebGPU session could be created (${(e as Error).message.slice(0, 200)})`);
    return;
  }
  const cpu = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  const [B, S] = [3, 6];
  const i64 = (xs: number[], d: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), d);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: i64(Array.from({ length: B * S }, (_, i) => 1 + ((i * 7) % 49)), [B, S]),
    attention_mask: i64(Array.from({ length: B * S }, (_, i) => (i % S < S - (i % 3) ? 1 : 0)), [B, S]),
    token_type_ids: i64(new Array(B * S).fill(0), [B, S]),
    labels_topic: i64([0, 2, -1], [B]), mask_topic: new ort.Tensor('float32', Float32Array.from([1, 1, 0]), [B]),
    labels_sentiment: i64([1, 0, 1], [B]), mask_sentiment: new ort.Tensor('float32', Float32Array.from([1, 1, 1]), [B]),
    dropout_seed: new ort.Tensor('int32', Int32Array.from([dropoutSeed(3, 11)]), []),
    ...Object.fromEntries(trainable.map((p) => {
      const w = backbone.get(p.name) ?? heads.get(p.name)!;
      return [p.value.name, new ort.Tensor('float32', w.data, [...w.shape])];
    })),
  };
  const [a, b] = [await cpu.run(feeds), await gpu.run(feeds)];
  for (const name of ['loss', 'loss_topic', 'loss_sentiment', ...trainable.map((p) => p.grad)]) {
    const x = a[name]!.data as Float32Array;
    const y = b[name]!.data as Float32Array;
    const scale = Math.max(1e-3, ...x.map(Math.abs));
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= 1e-3 * scale, `${name}[${i}]: cpu ${v} webgpu ${y[i]}`));
  }
  await cpu.release();
  await gpu.release();
});
