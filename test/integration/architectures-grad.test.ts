/**
 * Whole-model gradient checks for every architecture, in float64: the training graph's
 * analytic gradients (encoder, pooling, two heads, loss) against central differences of its
 * loss, with all parameters trainable and dropout on (fixed seed), and under bottom:1, where
 * the architecture's own layer names decide what is frozen. Embedding-table elements are
 * sampled from the rows the batch actually reads (positions included), so they are not zeros.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropoutSeed } from '../../src/engine/graph/ops/dropout.js';
import type { EncoderConfig, ModelType } from '../../src/engine/model/encoder-config.js';
import { initHeadWeights, type TaskSpec } from '../../src/engine/model/heads.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import { parameterShapes } from '../../src/engine/model/weights.js';
import { Rng } from '../../src/engine/random.js';
import { ort } from '../../src/engine/runtime/session.js';
import { isTrainableFor, parseFreezePolicy } from '../../src/engine/train/freeze.js';
import { buildTrainingGraph } from '../../src/engine/train/train-graph.js';

const tasks: TaskSpec[] = [
  { name: 'topic', labels: ['food', 'sports', 'reading'], hiddenSize: 6 },
  { name: 'sentiment', labels: ['positive', 'negative'] },
];

function tinyConfig(modelType: ModelType): EncoderConfig {
  const robertaLike = modelType === 'roberta' || modelType === 'xlm-roberta' || modelType === 'mpnet';
  return {
    modelType, vocabSize: 40, hiddenSize: 12, numLayers: 2, numHeads: 3, intermediateSize: 20,
    maxPositions: robertaLike ? 20 : 18, typeVocabSize: modelType === 'bert' ? 2 : robertaLike && modelType !== 'mpnet' ? 1 : 0,
    layerNormEps: 1e-5, hiddenDropout: 0.1, attentionDropout: 0.1, padTokenId: robertaLike ? 1 : 0,
    relativeAttentionBuckets: modelType === 'mpnet' ? 32 : 0,
  };
}

function randomWeights(c: EncoderConfig, seed: number): Map<string, Tensor> {
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  for (const [name, shape] of parameterShapes(c)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const ln = /(LayerNorm|layer_norm)\.weight$/.test(name);
    for (let i = 0; i < data.length; i++) data[i] = ln ? 1 + 0.1 * rng.normal() : 0.3 * rng.normal();
    out.set(name, { shape, data });
  }
  return out;
}

const LENGTHS = [7, 3, 5];
const S = 7;

function batch(c: EncoderConfig) {
  const rng = new Rng(9);
  const pad = c.padTokenId;
  // Real tokens avoid the padding id, as a tokenizer's output does.
  const ids = LENGTHS.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n ? 2 + rng.int(c.vocabSize - 2) : pad)));
  const mask = LENGTHS.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n ? 1 : 0)));
  const types = LENGTHS.flatMap((n) => Array.from({ length: S }, (_, s) => (s < n && s >= 2 ? 1 : 0)));
  const i64 = (xs: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), dims);
  const f64 = (xs: number[]) => new ort.Tensor('float64', Float64Array.from(xs), [xs.length]);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: i64(ids, [3, S]), attention_mask: i64(mask, [3, S]),
    labels_topic: i64([2, -1, 0], [3]), mask_topic: f64([1, 0, 1]),
    labels_sentiment: i64([1, 0, 0], [3]), mask_sentiment: f64([1, 1, 1]),
  };
  if (c.modelType === 'bert') feeds['token_type_ids'] = i64(types, [3, S]);
  return { feeds, ids: ids.filter((_, i) => mask[i] === 1) };
}

/** Rows of an embedding table the batch's real tokens read, so sampled elements have non-zero gradients. */
function usedRows(c: EncoderConfig, name: string, ids: number[]): number[] | undefined {
  const offset = c.modelType === 'bert' || c.modelType === 'distilbert' ? 0 : c.padTokenId + 1;
  if (name === 'embeddings.word_embeddings.weight') return ids;
  if (name === 'embeddings.position_embeddings.weight') return Array.from({ length: S }, (_, s) => offset + s);
  if (name === 'embeddings.token_type_embeddings.weight') return c.modelType === 'bert' ? [0, 1] : [0];
  // MPNet buckets of distances −6…6: 0…6 for keys at or before the query, 17…22 after it.
  if (name === 'encoder.relative_attention_bias.weight') return [0, 1, 2, 3, 4, 5, 6, 17, 18, 19, 20, 21, 22];
  return undefined;
}

const ARCHS: ModelType[] = ['bert', 'roberta', 'xlm-roberta', 'distilbert', 'mpnet'];

for (const arch of ARCHS) {
  for (const policy of ['none', 'bottom:1'] as const) {
    test(`${arch}: whole-model gradients match finite differences (float64), freeze=${policy}${policy === 'none' ? ', dropout on' : ''}`, async () => {
      const c = tinyConfig(arch);
      const backbone = randomWeights(c, 3);
      const heads = initHeadWeights(tasks, c.hiddenSize, 5, 0.3);
      const isTrainable = isTrainableFor(parseFreezePolicy(policy), { numLayers: c.numLayers });
      const { graph, trainable } = buildTrainingGraph(c, backbone, heads, tasks, {
        pooling: 'mean', isTrainable, floatType: 'float64', ...(policy === 'none' ? { dropout: { rate: 0.2, seedInput: true as const } } : {}),
      });
      // What bottom:1 must freeze, written out: the embeddings (MPNet's shared position bias with
      // them) and layer 0, whatever the architecture calls its layers.
      const frozenByBottom1 = (n: string) => n.startsWith('embeddings.') || n.startsWith('encoder.relative_attention_bias.') || /^(encoder|transformer)\.layer\.0\./.test(n);
      const expected = [...backbone.keys(), ...heads.keys()].filter((n) => policy === 'none' || !frozenByBottom1(n));
      assert.deepEqual(trainable.map((t) => t.name).sort(), expected.sort());

      const session = await ort.InferenceSession.create(graph.toBytes(), { executionProviders: ['cpu'] });
      const { feeds, ids } = batch(c);
      if (policy === 'none') feeds['dropout_seed'] = new ort.Tensor('int32', Int32Array.from([dropoutSeed(42, 7)]), []);
      const values = new Map(trainable.map((t) => {
        const w = backbone.get(t.name) ?? heads.get(t.name)!;
        return [t.name, { data: Float64Array.from(w.data), shape: [...w.shape] }];
      }));
      const run = async (override?: { name: string; data: Float64Array }) => {
        const all = { ...feeds };
        for (const t of trainable) {
          const v = values.get(t.name)!;
          all[t.value.name] = new ort.Tensor('float64', override?.name === t.name ? override.data : v.data, v.shape);
        }
        return session.run(all);
      };
      const out = await run();
      const rng = new Rng(17);
      // Every table the architecture embeds with, then a random sample of the rest.
      const always = trainable.filter((t) => usedRows(c, t.name, ids) !== undefined);
      const picks = [...always, ...Array.from({ length: 14 }, () => trainable[rng.int(trainable.length)]!)];
      const h = 1e-6;
      for (const t of picks) {
        const v = values.get(t.name)!;
        const rows = usedRows(c, t.name, ids);
        const width = v.shape[1] ?? 1;
        const k = rows ? rows[rng.int(rows.length)]! * width + rng.int(width) : rng.int(v.data.length);
        const plus = v.data.slice();
        plus[k]! += h;
        const minus = v.data.slice();
        minus[k]! -= h;
        const lossAt = async (d: Float64Array) => Number((await run({ name: t.name, data: d }))['loss']!.data[0]);
        const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
        const analytic = (out[t.grad]!.data as Float64Array)[k]!;
        assert.ok(Math.abs(analytic - numeric) <= 1e-6 * (Math.abs(analytic) + Math.abs(numeric)) + 1e-9, `${t.name}[${k}]: analytic ${analytic} vs numeric ${numeric}`);
        // Without dropout (which may zero an element) a row the batch reads has a gradient.
        if (rows && policy !== 'none') assert.ok(Math.abs(numeric) > 1e-9, `${t.name}[${k}] is a row the batch reads, so its gradient is not zero`);
      }
      await session.release();
    });
  }
}
