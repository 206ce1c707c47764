import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInferenceGraph } from '../../src/engine/model/inference-graph.js';
import { createSession, ort } from '../../src/engine/runtime/session.js';
import { referenceBert } from '../support/reference-bert.js';
import { randomBertWeights, tinyConfig } from '../support/random-weights.js';
import { Rng } from '../../src/engine/random.js';

const configs = [
  { name: 'tiny 2×16, 4 heads', config: tinyConfig() },
  { name: 'tiny 3×24, 2 heads, wide FFN', config: tinyConfig({ numLayers: 3, hiddenSize: 24, numHeads: 2, intermediateSize: 72, vocabSize: 61, layerNormEps: 1e-5 }) },
];

function batch(rng: Rng, lengths: number[], vocab: number) {
  const S = Math.max(...lengths);
  const ids = lengths.map((n) => Array.from({ length: S }, (_, s) => (s < n ? (s === 0 ? 2 : 5 + rng.int(vocab - 5)) : 0)));
  const mask = lengths.map((n) => Array.from({ length: S }, (_, s) => (s < n ? 1 : 0)));
  const types = lengths.map((n) => Array.from({ length: S }, (_, s) => (s < n && s > n / 2 ? 1 : 0)));
  const t = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, S]);
  return { ids, mask, types, feeds: { input_ids: t(ids), attention_mask: t(mask), token_type_ids: t(types) } };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const { name, config } of configs) {
  test(`ONNX forward matches the float64 reference: ${name}`, async () => {
    const weights = randomBertWeights(config, 7);
    const rng = new Rng(11);
    const { ids, mask, types, feeds } = batch(rng, [9, 4, 13], config.vocabSize);
    const ref = referenceBert(config, weights, ids, mask, types);
    for (const pooling of ['mean', 'cls'] as const) {
      const g = buildInferenceGraph(config, weights, new Map(), { pooling, normalize: false, tasks: [], tokenStatesOutput: 'token_states' });
      const session = await createSession(g.toBytes(), 'cpu');
      const out = await session.run(feeds);
      const tokens = out['token_states']!.data as Float32Array;
      const S = ids[0]!.length;
      const H = config.hiddenSize;
      // Compare only real tokens: padding positions are never read by pooling.
      let worst = 0;
      ids.forEach((row, b) => row.forEach((_, s) => {
        if (!mask[b]![s]) return;
        worst = Math.max(worst, maxAbsDiff(tokens.subarray((b * S + s) * H, (b * S + s + 1) * H), ref.tokens[b]![s]!));
      }));
      assert.ok(worst < 1e-4, `token states differ by ${worst}`);
      const pooled = out['sentence_embedding']!.data as Float32Array;
      const expected = (pooling === 'mean' ? ref.meanPooled : ref.clsPooled).flatMap((r) => [...r]);
      const d = maxAbsDiff(pooled, expected);
      assert.ok(d < 1e-4, `${pooling} pooled vectors differ by ${d}`);
      await session.release();
    }
  });
}
