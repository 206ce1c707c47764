/**
 * The training graph with the contrastive objective on a tiny BERT: its pair loss against the
 * float64 reference encoder and reference ranking loss (parity), its total as the task losses
 * plus the weighted pair loss, and its gradients against central differences (float64), with
 * dropout on and a sentence paired with itself (unsupervised SimCSE).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropoutSeed } from '../../src/engine/graph/ops/dropout.js';
import { initHeadWeights, type TaskSpec } from '../../src/engine/model/heads.js';
import { ort } from '../../src/engine/runtime/session.js';
import { Rng } from '../../src/engine/random.js';
import { buildTrainingGraph, PAIRS_LOSS, type TrainingGraphOptions } from '../../src/engine/train/train-graph.js';
import { randomBertWeights, tinyConfig } from '../support/random-weights.js';
import { referenceBert } from '../support/reference-bert.js';
import { referenceRankingLoss } from '../support/reference-ranking.js';

const config = tinyConfig();
const tasks: TaskSpec[] = [
  { name: 'topic', labels: ['food', 'sports', 'reading'] },
  { name: 'sentiment', labels: ['positive', 'negative'] },
];
const backbone = randomBertWeights(config, 13);
const heads = initHeadWeights(tasks, config.hiddenSize, 5, 0.3);
const all = new Map([...backbone, ...heads]);

// Rows 0–1 are labelled; rows 2–4 are the anchors of three pairs and rows 5–7 their positives.
// Pair 2 pairs row 4 with row 7, which holds the same tokens (SimCSE: only dropout tells them apart).
const S = 6;
const rng = new Rng(4);
const lengths = [6, 4, 5, 3, 6, 2, 4, 6];
const ids = lengths.map((n) => Array.from({ length: S }, (_, s) => (s < n ? 1 + rng.int(config.vocabSize - 1) : 0)));
ids[7] = [...ids[4]!];
const mask = lengths.map((n, b) => Array.from({ length: S }, (_, s) => (s < (b === 7 ? lengths[4]! : n) ? 1 : 0)));
const anchorRows = [2, 3, 4];
const positiveRows = [5, 6, 7];

function feeds(floatType: 'float32' | 'float64', withPairs: boolean): Record<string, ort.Tensor> {
  const i64 = (xs: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), dims);
  const f = (xs: number[]) => new ort.Tensor(floatType, floatType === 'float64' ? Float64Array.from(xs) : Float32Array.from(xs), [xs.length]);
  const B = ids.length;
  const out: Record<string, ort.Tensor> = {
    input_ids: i64(ids.flat(), [B, S]), attention_mask: i64(mask.flat(), [B, S]), token_type_ids: i64(new Array(B * S).fill(0), [B, S]),
    labels_topic: i64([2, 0, -1, -1, -1, -1, -1, -1], [B]), mask_topic: f([1, 1, 0, 0, 0, 0, 0, 0]),
    labels_sentiment: i64([1, 0, -1, -1, -1, -1, -1, -1], [B]), mask_sentiment: f([1, 1, 0, 0, 0, 0, 0, 0]),
  };
  if (withPairs) {
    out['pair_anchor_rows'] = i64(anchorRows, [3]);
    out['pair_positive_rows'] = i64(positiveRows, [3]);
  }
  return out;
}

async function run(options: Partial<TrainingGraphOptions>, floatType: 'float32' | 'float64'): Promise<Record<string, ort.Tensor>> {
  const tg = buildTrainingGraph(config, backbone, heads, tasks, { pooling: 'mean', isTrainable: () => true, floatType, ...options });
  const session = await ort.InferenceSession.create(tg.graph.toBytes(), { executionProviders: ['cpu'] });
  const Arr = floatType === 'float64' ? Float64Array : Float32Array;
  const params = Object.fromEntries(tg.trainable.map((t) => [t.value.name, new ort.Tensor(floatType, Arr.from(all.get(t.name)!.data), [...all.get(t.name)!.shape])]));
  const out = await session.run({ ...feeds(floatType, !!options.pairs), ...params });
  await session.release();
  return out;
}

const value = (out: Record<string, ort.Tensor>, name: string) => Number(out[name]!.data[0]);

test('pair loss matches the reference encoder and reference ranking loss; the total adds it, weighted, to the task losses', async () => {
  const ref = referenceBert(config, backbone, ids, mask, ids.map((r) => r.map(() => 0)));
  for (const symmetric of [false, true]) {
    const expected = referenceRankingLoss(anchorRows.map((r) => ref.meanPooled[r]!), positiveRows.map((r) => ref.meanPooled[r]!), 7, symmetric);
    for (const floatType of ['float64', 'float32'] as const) {
      const without = await run({}, floatType);
      const withPairs = await run({ pairs: { weight: 0.5, scale: 7, symmetric } }, floatType);
      const tol = floatType === 'float64' ? 1e-9 : 1e-4;
      const got = value(withPairs, `loss_${PAIRS_LOSS}`);
      assert.ok(Math.abs(got - expected) <= tol * Math.max(1, expected), `${floatType} symmetric=${symmetric}: pair loss ${got} vs reference ${expected}`);
      // The labelled rows' task losses do not change when pair rows join the batch.
      for (const t of tasks) assert.ok(Math.abs(value(withPairs, `loss_${t.name}`) - value(without, `loss_${t.name}`)) <= tol, `${t.name} loss`);
      assert.ok(Math.abs(value(withPairs, 'loss') - (value(without, 'loss') + 0.5 * expected)) <= tol * 10, `${floatType}: total`);
    }
  }
});

for (const dropout of [false, true]) {
  test(`gradients with the pair objective match finite differences (float64${dropout ? ', dropout: the SimCSE pair differs only by its masks' : ''})`, async () => {
    const tg = buildTrainingGraph(config, backbone, heads, tasks, {
      pooling: 'mean', isTrainable: () => true, floatType: 'float64', pairs: { weight: 2, scale: 5 },
      dropout: dropout ? { rate: 0.2, seedInput: true } : undefined,
    });
    const session = await ort.InferenceSession.create(tg.graph.toBytes(), { executionProviders: ['cpu'] });
    const base = feeds('float64', true);
    if (dropout) base['dropout_seed'] = new ort.Tensor('int32', Int32Array.from([dropoutSeed(5, 2)]), []);
    const values = new Map(tg.trainable.map((t) => [t.name, Float64Array.from(all.get(t.name)!.data)]));
    const runWith = (override?: { name: string; data: Float64Array }) => session.run({
      ...base,
      ...Object.fromEntries(tg.trainable.map((t) => [t.value.name, new ort.Tensor('float64', override?.name === t.name ? override.data : values.get(t.name)!, [...all.get(t.name)!.shape])])),
    });
    const out = await runWith();
    assert.ok(value(out, `loss_${PAIRS_LOSS}`) > 0);
    const pick = new Rng(dropout ? 8 : 9);
    const h = 1e-6;
    const backboneNames = tg.trainable.map((t) => t.name).filter((n) => !n.startsWith('heads.'));
    for (let s = 0; s < 20; s++) {
      const name = backboneNames[pick.int(backboneNames.length)]!;
      const v = values.get(name)!;
      // Word-embedding rows the batch uses, so the sample is not all zeros.
      const k = name === 'embeddings.word_embeddings.weight' ? ids[pick.int(ids.length)]![0]! * config.hiddenSize + pick.int(config.hiddenSize) : pick.int(v.length);
      const analytic = (out[`grad:${name}`]!.data as Float64Array)[k]!;
      const plus = v.slice(); plus[k]! += h;
      const minus = v.slice(); minus[k]! -= h;
      const numeric = (value(await runWith({ name, data: plus }), 'loss') - value(await runWith({ name, data: minus }), 'loss')) / (2 * h);
      assert.ok(Math.abs(analytic - numeric) <= 1e-6 * (Math.abs(analytic) + Math.abs(numeric)) + 1e-9, `${name}[${k}]: analytic ${analytic} vs numeric ${numeric}`);
    }
    await session.release();
  });
}
