/**
 * The in-batch multiple-negatives ranking loss (sentence-transformers' MultipleNegativesRankingLoss):
 * its value against a plain float64 reference written here (no graph code), its gradients against
 * central differences, and that the batch size may be a run-time size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, cosineSimilarities, multipleNegativesRankingLoss } from '../../src/engine/graph/index.js';
import { ort } from '../../src/engine/runtime/session.js';
import { Rng } from '../../src/engine/random.js';
import { gradCheck } from '../support/gradcheck.js';
import { referenceRankingLoss as referenceLoss } from '../support/reference-ranking.js';

function randomMatrix(rng: Rng, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
}

async function graphLoss(a: number[][], p: number[][], scale: number, symmetric: boolean, floatType: 'float32' | 'float64'): Promise<number> {
  const g = new Graph({ floatType });
  const d = a[0]!.length;
  // Symbolic row counts: the loss must read the batch size at run time.
  const anchors = g.input('anchors', floatType, ['pairs', d]);
  const positives = g.input('positives', floatType, ['pairs', d]);
  g.output(multipleNegativesRankingLoss(g, anchors, positives, { scale, symmetric }), 'loss');
  const session = await ort.InferenceSession.create(g.toBytes(), { executionProviders: ['cpu'] });
  const Arr = floatType === 'float64' ? Float64Array : Float32Array;
  const out = await session.run({
    anchors: new ort.Tensor(floatType, Arr.from(a.flat()), [a.length, d]),
    positives: new ort.Tensor(floatType, Arr.from(p.flat()), [p.length, d]),
  });
  await session.release();
  return Number(out['loss']!.data[0]);
}

test('ranking loss matches the float64 reference (batch sizes 1, 3, 7; both directions; float64 and float32)', async () => {
  const rng = new Rng(7);
  for (const n of [1, 3, 7]) {
    const a = randomMatrix(rng, n, 5);
    const p = randomMatrix(rng, n, 5);
    for (const [scale, symmetric] of [[20, false], [1, false], [20, true], [0.5, true]] as const) {
      const ref = referenceLoss(a, p, scale, symmetric);
      const got64 = await graphLoss(a, p, scale, symmetric, 'float64');
      assert.ok(Math.abs(got64 - ref) <= 1e-12 * Math.max(1, Math.abs(ref)), `n=${n} scale=${scale} symmetric=${symmetric}: ${got64} vs ${ref}`);
      const got32 = await graphLoss(a, p, scale, symmetric, 'float32');
      assert.ok(Math.abs(got32 - ref) <= 1e-4 * Math.max(1, Math.abs(ref)), `float32 n=${n}: ${got32} vs ${ref}`);
    }
  }
});

test('ranking loss: a batch of one pair has nothing to rank against (loss 0); matching pairs score below mismatched ones', async () => {
  const rng = new Rng(11);
  const one = randomMatrix(rng, 1, 4);
  assert.ok(Math.abs(await graphLoss(one, randomMatrix(rng, 1, 4), 20, false, 'float64')) < 1e-12);
  const a = randomMatrix(rng, 6, 8);
  const close = a.map((row) => row.map((x) => x + 0.05 * rng.normal()));
  const shuffled = [close[3]!, close[0]!, close[5]!, close[1]!, close[2]!, close[4]!];
  const matched = await graphLoss(a, close, 20, false, 'float64');
  const mismatched = await graphLoss(a, shuffled, 20, false, 'float64');
  assert.ok(matched < 0.1 && mismatched > 5, `matched ${matched}, mismatched ${mismatched}`);
});

test('cosine similarities match the reference', async () => {
  const rng = new Rng(3);
  const a = randomMatrix(rng, 3, 4);
  const b = randomMatrix(rng, 2, 4);
  const g = new Graph({ floatType: 'float64' });
  const x = g.input('a', 'float64', [3, 4]);
  const y = g.input('b', 'float64', [2, 4]);
  g.output(cosineSimilarities(g, x, y), 'cos');
  const session = await ort.InferenceSession.create(g.toBytes());
  const out = (await session.run({ a: new ort.Tensor('float64', Float64Array.from(a.flat()), [3, 4]), b: new ort.Tensor('float64', Float64Array.from(b.flat()), [2, 4]) }))['cos']!.data as Float64Array;
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, t) => s + t * t, 0));
  a.forEach((u, i) => b.forEach((v, j) => {
    const expected = u.reduce((s, t, k) => s + t * v[k]!, 0) / (norm(u) * norm(v));
    assert.ok(Math.abs(out[i * 2 + j]! - expected) < 1e-12, `cos[${i},${j}]`);
  }));
});

for (const symmetric of [false, true]) {
  test(`ranking loss gradients match finite differences (float64, ${symmetric ? 'symmetric' : 'anchor → positive'})`, async () => {
    await gradCheck(`ranking loss${symmetric ? ' (symmetric)' : ''}`, [{ shape: [5, 6] }, { shape: [5, 6] }],
      (g, [a, p]) => multipleNegativesRankingLoss(g, a!, p!, { scale: 4, symmetric }), { samples: 30 });
  });
}

test('ranking loss gradient when the same sentence is both anchor and positive (SimCSE without dropout: one input, fan-out)', async () => {
  await gradCheck('ranking loss, shared input', [{ shape: [4, 6] }], (g, [x]) => multipleNegativesRankingLoss(g, x!, x!, { scale: 3 }), { samples: 24 });
});
