/**
 * Whole-model gradient checks: the tiny BERT with two task heads, in float64, under each
 * freeze policy — analytic gradients from the training graph against central differences of
 * its loss on a sample of parameter elements, and frozen parameters without gradient outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, grad, type Value } from '../../src/engine/graph/index.js';
import { buildEncoder } from '../../src/engine/model/encoder.js';
import { buildHead, initHeadWeights, type TaskSpec } from '../../src/engine/model/heads.js';
import { pool } from '../../src/engine/model/pooling.js';
import { multiTaskLoss } from '../../src/engine/train/losses.js';
import { buildTrainingGraph, type TrainingGraphOptions } from '../../src/engine/train/train-graph.js';
import { dropoutSeed } from '../../src/engine/graph/ops/dropout.js';
import { ort } from '../../src/engine/runtime/session.js';
import { Rng } from '../../src/engine/random.js';
import { randomBertWeights, tinyConfig } from '../support/random-weights.js';

const config = tinyConfig();
const tasks: TaskSpec[] = [
  { name: 'topic', labels: ['food', 'sports', 'reading'], hiddenSize: 8 },
  { name: 'sentiment', labels: ['positive', 'negative'] },
];
const backbone = randomBertWeights(config, 3);
const heads = initHeadWeights(tasks, config.hiddenSize, 5, 0.3);
const allNames = [...backbone.keys(), ...heads.keys()];

function feeds(floatType: 'float32' | 'float64') {
  const lengths = [7, 3, 5];
  const S = 7;
  const rng = new Rng(9);
  const ids = lengths.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n ? 1 + rng.int(config.vocabSize - 1) : 0)));
  const mask = lengths.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n ? 1 : 0)));
  const types = lengths.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n && s >= 2 ? 1 : 0)));
  const i64 = (xs: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), dims);
  const f = (xs: number[]) => new ort.Tensor(floatType, floatType === 'float64' ? Float64Array.from(xs) : Float32Array.from(xs), [xs.length]);
  return {
    input_ids: i64(ids, [3, S]), attention_mask: i64(mask, [3, S]), token_type_ids: i64(types, [3, S]),
    // Row 1 has no topic label: its placeholder −1 must be harmless.
    labels_topic: i64([2, -1, 0], [3]), mask_topic: f([1, 0, 1]),
    labels_sentiment: i64([1, 0, 0], [3]), mask_sentiment: f([1, 1, 1]),
  } as Record<string, ort.Tensor>;
}

const policies: { name: string; trainable: (n: string) => boolean; extra?: Partial<TrainingGraphOptions> }[] = [
  { name: 'none (full fine-tune)', trainable: () => true },
  { name: 'backbone (heads only)', trainable: (n) => n.startsWith('heads.') },
  { name: 'embeddings frozen', trainable: (n) => !n.startsWith('embeddings.') },
  { name: 'bottom:1', trainable: (n) => !n.startsWith('embeddings.') && !n.startsWith('encoder.layer.0.') },
  { name: 'sentiment head frozen', trainable: (n) => !n.startsWith('heads.sentiment.') },
  { name: 'none, with class weights, loss weights and dropout (fixed seed)', trainable: () => true,
    extra: { lossWeights: { topic: 0.7, sentiment: 1.3 }, classWeights: { topic: [1, 2, 0.5] }, dropout: { rate: 0.2, seedInput: true } } },
];

for (const policy of policies) {
  test(`model gradients match finite differences (float64): ${policy.name}`, async () => {
    const { graph, trainable } = buildTrainingGraph(config, backbone, heads, tasks, {
      pooling: 'mean', isTrainable: policy.trainable, floatType: 'float64', ...policy.extra,
    });
    assert.deepEqual(trainable.map((t) => t.name).sort(), allNames.filter(policy.trainable).sort());
    for (const n of allNames) assert.equal(graph.outputNames.includes(`grad:${n}`), policy.trainable(n), `grad output for ${n}`);

    const session = await ort.InferenceSession.create(graph.toBytes(), { executionProviders: ['cpu'] });
    const base = feeds('float64');
    if (policy.extra?.dropout) base['dropout_seed'] = new ort.Tensor('int32', Int32Array.from([dropoutSeed(42, 7)]), []);
    const values = new Map(trainable.map((t) => {
      const w = backbone.get(t.name) ?? heads.get(t.name)!;
      return [t.name, { data: Float64Array.from(w.data), shape: [...w.shape] }];
    }));
    const run = (override?: { name: string; data: Float64Array }) => session.run({
      ...base,
      ...Object.fromEntries(trainable.map((t) => {
        const v = values.get(t.name)!;
        return [t.value.name, new ort.Tensor('float64', override?.name === t.name ? override.data : v.data, v.shape)];
      })),
    });
    const out = await run();
    const loss = Number(out['loss']!.data[0]);
    assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);

    const rng = new Rng(17);
    const h = 1e-6;
    for (let s = 0; s < 20; s++) {
      const t = trainable[rng.int(trainable.length)]!;
      const v = values.get(t.name)!;
      const analytic = out[t.grad]!.data as Float64Array;
      assert.deepEqual([...out[t.grad]!.dims], v.shape);
      // Half the samples from rows the batch actually uses, so embedding tables are tested on non-zero rows.
      const k = t.name.includes('embeddings.word') && s % 2 === 0 ? Number(base['input_ids']!.data[rng.int(21)]) * config.hiddenSize + rng.int(config.hiddenSize) : rng.int(v.data.length);
      const plus = v.data.slice(); plus[k]! += h;
      const minus = v.data.slice(); minus[k]! -= h;
      const numeric = (Number((await run({ name: t.name, data: plus }))['loss']!.data[0]) - Number((await run({ name: t.name, data: minus }))['loss']!.data[0])) / (2 * h);
      const err = Math.abs(analytic[k]! - numeric);
      assert.ok(err <= 1e-6 * (Math.abs(analytic[k]!) + Math.abs(numeric)) + 1e-9, `${t.name}[${k}]: analytic ${analytic[k]} vs numeric ${numeric}`);
    }
    await session.release();
  });
}

test('heads-only training emits no backward node inside the encoder', () => {
  const g = new Graph({ floatType: 'float32' });
  const inputIds = g.input('input_ids', 'int64', ['batch', 'seq']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const tokenTypeIds = g.input('token_type_ids', 'int64', ['batch', 'seq']);
  const enc = buildEncoder(g, config, backbone, { inputIds, attentionMask, tokenTypeIds });
  const encoderValues = new Set<Value>(g.nodes.flatMap((n) => n.outputs));
  const pooled = pool(g, enc.tokens, enc.maskFloat, 'mean');
  const params: Value[] = [];
  const taskLosses = tasks.map((t) => {
    const head = buildHead(g, pooled, t, heads, () => true);
    params.push(...head.params.values());
    return { logits: head.logits, labels: g.input(`labels_${t.name}`, 'int64', ['batch']), mask: g.input(`mask_${t.name}`, 'float32', ['batch']), weight: 1 };
  });
  const { total } = multiTaskLoss(g, taskLosses);
  const before = g.nodes.length;
  grad(g, total, params);
  const backward = g.nodes.slice(before);
  assert.ok(backward.length > 0);
  for (const n of backward) {
    for (const v of n.inputs) assert.ok(!encoderValues.has(v), `backward ${n.op} reads encoder value ${v.name}`);
  }
  const ops = new Set(backward.map((n) => n.op));
  for (const op of ['ScatterND', 'Transpose', 'LayerNormalization', 'Softmax']) assert.ok(!ops.has(op), `unexpected ${op} in heads-only backward`);
});
