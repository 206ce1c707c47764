/**
 * The masked-LM graphs: the loss against a plain float64 reference (parity), the gradients of
 * every parameter against central differences (float64), the tied decoder receiving gradient
 * from both of its uses, and frozen parameters without gradient outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropoutSeed } from '../../src/engine/graph/ops/dropout.js';
import { buildMlmEvalGraph, buildMlmTrainingGraph } from '../../src/engine/pretrain/mlm-graph.js';
import { initMlmHead } from '../../src/engine/pretrain/mlm-head.js';
import { ort } from '../../src/engine/runtime/session.js';
import { Rng } from '../../src/engine/random.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import { randomBertWeights, tinyConfig } from '../support/random-weights.js';
import { type MlmCase, referenceMlmLoss } from '../support/reference-mlm.js';

const config = tinyConfig();
const backbone = randomBertWeights(config, 21);
// A head with non-trivial LayerNorm and biases, so a dropped or misplaced term shows.
const head = new Map<string, Tensor>([...initMlmHead(config, 4, 0.3)].map(([n, t]) => {
  const rng = new Rng(n.length);
  const data = Float32Array.from(t.data, (v) => (n.endsWith('dense.weight') ? v : v + 0.2 * rng.normal()));
  return [n, { shape: t.shape, data }];
}));

const S = 6;
const mlmCase: MlmCase = {
  ids: [[2, 11, 12, 13, 3, 0], [2, 21, 22, 23, 24, 3]],
  mask: [[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]],
  // Position 1 of row 0 is fed as [MASK] (4) and must predict 11; a random-replaced and a kept token too.
  predictions: [[0, 1, 11], [0, 3, 13], [1, 2, 22], [1, 4, 24]],
};
const fedIds = [[2, 4, 12, 37, 3, 0], [2, 21, 4, 23, 24, 3]];

function feeds(floatType: 'float32' | 'float64'): Record<string, ort.Tensor> {
  const i64 = (xs: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), dims);
  const n = mlmCase.predictions.length;
  return {
    input_ids: i64(fedIds.flat(), [2, S]),
    attention_mask: i64(mlmCase.mask.flat(), [2, S]),
    token_type_ids: i64(new Array(2 * S).fill(0), [2, S]),
    mlm_positions: i64(mlmCase.predictions.map(([b, s]) => b * S + s), [n]),
    mlm_labels: i64(mlmCase.predictions.map(([, , y]) => y), [n]),
    mlm_weights: new ort.Tensor(floatType, floatType === 'float64' ? new Float64Array(n).fill(1) : new Float32Array(n).fill(1), [n]),
  };
}

const all = new Map([...backbone, ...head]);

test('masked-LM loss and accuracy match the float64 reference (float64 and float32 graphs)', async () => {
  const ref = referenceMlmLoss(config, backbone, head, { ...mlmCase, ids: fedIds });
  assert.ok(ref.loss > 0 && Number.isFinite(ref.loss));
  for (const floatType of ['float64', 'float32'] as const) {
    const { graph } = buildMlmEvalGraph(config, backbone, head, { isTrainable: () => false, floatType });
    const session = await ort.InferenceSession.create(graph.toBytes(), { executionProviders: ['cpu'] });
    const out = await session.run(feeds(floatType));
    const loss = Number(out['loss']!.data[0]);
    const tol = floatType === 'float64' ? 1e-9 : 1e-4;
    assert.ok(Math.abs(loss - ref.loss) <= tol * Math.max(1, ref.loss), `${floatType}: loss ${loss} vs reference ${ref.loss}`);
    assert.equal(Number(out['mlm_correct']!.data[0]), ref.correct, `${floatType}: correct predictions`);
    await session.release();
  }
});

test('the training graph gives the same loss as the evaluation graph (no dropout)', async () => {
  const tg = buildMlmTrainingGraph(config, backbone, head, { isTrainable: () => true, floatType: 'float64' });
  const session = await ort.InferenceSession.create(tg.graph.toBytes(), { executionProviders: ['cpu'] });
  const params = Object.fromEntries(tg.trainable.map((t) => [t.value.name, new ort.Tensor('float64', Float64Array.from(all.get(t.name)!.data), [...all.get(t.name)!.shape])]));
  const out = await session.run({ ...feeds('float64'), ...params });
  const ref = referenceMlmLoss(config, backbone, head, { ...mlmCase, ids: fedIds });
  assert.ok(Math.abs(Number(out['loss']!.data[0]) - ref.loss) < 1e-9);
  await session.release();
});

const policies: { name: string; trainable: (n: string) => boolean; dropout?: boolean }[] = [
  { name: 'everything trains', trainable: () => true },
  { name: 'everything trains, with dropout (fixed seed)', trainable: () => true, dropout: true },
  { name: 'embeddings frozen (the tied decoder too)', trainable: (n) => !n.startsWith('embeddings.') },
  { name: 'only the head and the top layer', trainable: (n) => n.startsWith('cls.') || n.startsWith('encoder.layer.1.') },
];

for (const policy of policies) {
  test(`masked-LM gradients match finite differences (float64): ${policy.name}`, async () => {
    const tg = buildMlmTrainingGraph(config, backbone, head, {
      isTrainable: policy.trainable, floatType: 'float64', dropout: policy.dropout ? { rate: 0.2 } : undefined,
    });
    assert.deepEqual(tg.trainable.map((t) => t.name).sort(), [...all.keys()].filter(policy.trainable).sort());
    for (const n of all.keys()) assert.equal(tg.graph.outputNames.includes(`grad:${n}`), policy.trainable(n), `grad output for ${n}`);
    const session = await ort.InferenceSession.create(tg.graph.toBytes(), { executionProviders: ['cpu'] });
    const base = feeds('float64');
    if (policy.dropout) base['dropout_seed'] = new ort.Tensor('int32', Int32Array.from([dropoutSeed(3, 1)]), []);
    const values = new Map(tg.trainable.map((t) => [t.name, Float64Array.from(all.get(t.name)!.data)]));
    const run = (override?: { name: string; data: Float64Array }) => session.run({
      ...base,
      ...Object.fromEntries(tg.trainable.map((t) => [t.value.name, new ort.Tensor('float64', override?.name === t.name ? override.data : values.get(t.name)!, [...all.get(t.name)!.shape])])),
    });
    const out = await run();
    const rng = new Rng(5);
    const h = 1e-6;
    // The tied table first, at a row used only as an input, a row used only as a target and a row used as both.
    const picks: [string, number][] = [];
    if (values.has('embeddings.word_embeddings.weight')) {
      for (const row of [12, 22, 40]) picks.push(['embeddings.word_embeddings.weight', row * config.hiddenSize + rng.int(config.hiddenSize)]);
    }
    if (values.has('cls.predictions.bias')) picks.push(['cls.predictions.bias', 13], ['cls.predictions.bias', 30]);
    for (let s = 0; s < 18; s++) {
      const t = tg.trainable[rng.int(tg.trainable.length)]!;
      picks.push([t.name, rng.int(values.get(t.name)!.length)]);
    }
    for (const [name, k] of picks) {
      const v = values.get(name)!;
      const analytic = (out[`grad:${name}`]!.data as Float64Array)[k]!;
      const plus = v.slice(); plus[k]! += h;
      const minus = v.slice(); minus[k]! -= h;
      const numeric = (Number((await run({ name, data: plus }))['loss']!.data[0]) - Number((await run({ name, data: minus }))['loss']!.data[0])) / (2 * h);
      assert.ok(Math.abs(analytic - numeric) <= 1e-6 * (Math.abs(analytic) + Math.abs(numeric)) + 1e-9, `${name}[${k}]: analytic ${analytic} vs numeric ${numeric}`);
    }
    if (values.has('embeddings.word_embeddings.weight')) {
      // Row 40 is neither fed nor predicted: it gets gradient only through the softmax's normaliser.
      const g = out['grad:embeddings.word_embeddings.weight']!.data as Float64Array;
      const row = (r: number) => [...g.subarray(r * config.hiddenSize, (r + 1) * config.hiddenSize)];
      assert.ok(row(40).some((x) => x !== 0), 'the tied decoder gives every vocabulary row a gradient');
    }
    await session.release();
  });
}
