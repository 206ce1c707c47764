/** Dropout masks (reproducible from seed and step, rate, scaling, gradient) and the task losses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, dropout, dropoutMask, dropoutSeed } from '../../src/engine/graph/index.js';
import { softmaxCrossEntropy } from '../../src/engine/train/losses.js';
import { ort } from '../../src/engine/runtime/session.js';
import { gradCheck } from '../support/gradcheck.js';

async function masks(rate: number, shape: number[], seeds: number[], salt = 0): Promise<Float32Array[]> {
  const g = new Graph();
  const x = g.input('x', 'float32', shape.map((_, i) => `d${i}`));
  const seed = g.input('dropout_seed', 'int32', []);
  g.output(dropoutMask(g, x, rate, seed, salt), 'mask');
  const session = await ort.InferenceSession.create(g.toBytes());
  const n = shape.reduce((a, b) => a * b, 1);
  const out: Float32Array[] = [];
  for (const s of seeds) {
    const r = await session.run({ x: new ort.Tensor('float32', new Float32Array(n), shape), dropout_seed: new ort.Tensor('int32', Int32Array.from([s]), []) });
    out.push(r['mask']!.data as Float32Array);
  }
  return out;
}

test('dropout: same (seed, step) gives the same mask in a new session; another step or site differs', async () => {
  const [a, b, c] = await masks(0.1, [64, 128], [dropoutSeed(1, 5), dropoutSeed(1, 5), dropoutSeed(1, 6)]);
  const [again] = await masks(0.1, [64, 128], [dropoutSeed(1, 5)]);
  const [otherSite] = await masks(0.1, [64, 128], [dropoutSeed(1, 5)], 1);
  assert.deepEqual(a, b);
  assert.deepEqual(a, again);
  const differing = (p: Float32Array, q: Float32Array) => p.reduce((n, v, i) => n + (v !== q[i] ? 1 : 0), 0);
  // Independent masks at rate 0.1 disagree on about 2·0.1·0.9 = 18% of elements.
  for (const other of [c!, otherSite!]) {
    const frac = differing(a!, other) / a!.length;
    assert.ok(frac > 0.15 && frac < 0.21, `masks disagree on ${frac}`);
  }
});

test('dropout: rate respected and kept elements scaled by 1/(1−p)', async () => {
  for (const rate of [0.1, 0.5]) {
    const [m] = await masks(rate, [100, 100], [dropoutSeed(123, 0)]);
    const kept = m!.filter((v) => v !== 0);
    const dropped = 1 - kept.length / m!.length;
    assert.ok(Math.abs(dropped - rate) < 0.015, `rate ${rate}: dropped ${dropped}`);
    for (const v of kept) assert.ok(Math.abs(v - 1 / (1 - rate)) < 1e-6);
    // No stripes: each row and column of a 100×100 mask drops roughly its share.
    for (let r = 0; r < 100; r++) {
      const rowDropped = m!.subarray(r * 100, r * 100 + 100).filter((v) => v === 0).length;
      assert.ok(Math.abs(rowDropped - rate * 100) < 6 * Math.sqrt(100 * rate * (1 - rate)), `row ${r} dropped ${rowDropped}`);
    }
  }
});

/** Pearson correlation of two keep indicators (1 kept, 0 dropped). */
function correlation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const n = p.length;
  let sp = 0, sq = 0, spq = 0, spp = 0, sqq = 0;
  for (let i = 0; i < n; i++) {
    const a = p[i] ? 1 : 0, b = q[i] ? 1 : 0;
    sp += a; sq += b; spq += a * b; spp += a; sqq += b;
  }
  const cov = spq / n - (sp / n) * (sq / n);
  return cov / Math.sqrt((spp / n - (sp / n) ** 2) * (sqq / n - (sq / n) ** 2));
}

test('dropout: masks of neighbouring elements, rows, slices, sites and steps are uncorrelated', async () => {
  const shape = [8, 64, 256]; // 131,072 elements: the noise floor of a correlation is ≈ 1/√n ≈ 0.003
  const [rows, cols] = [shape[0]! * shape[1]!, shape[2]!];
  const seed = dropoutSeed(5, 17);
  const [m] = await masks(0.5, shape, [seed]);
  const [nextSite] = await masks(0.5, shape, [seed], 1);
  const [nextStep] = await masks(0.5, shape, [dropoutSeed(5, 18)]);
  const kept = m!.filter((v) => v !== 0).length / m!.length;
  assert.ok(Math.abs(kept - 0.5) < 0.01, `kept ${kept}`);
  // Pairs (m[i], m[i + offset]) at each offset, within the tensor.
  const shifted = (offset: number) => correlation(m!.subarray(0, m!.length - offset), m!.subarray(offset));
  const within = (offset: number, stride: number) => {
    // Neighbours along the last axis only (not wrapping into the next row).
    const a: number[] = [], b: number[] = [];
    for (let i = 0; i + offset < m!.length; i++) if ((i % stride) + offset < stride) { a.push(m![i]!); b.push(m![i + offset]!); }
    return correlation(a, b);
  };
  const checks: [string, number][] = [
    ['adjacent elements', within(1, cols)], ['elements 2 apart', within(2, cols)],
    ['adjacent rows', shifted(cols)], ['adjacent slices of the first axis', shifted(cols * shape[1]!)],
    ['same element at the next site', correlation(m!, nextSite!)], ['same element at the next step', correlation(m!, nextStep!)],
  ];
  for (const [what, r] of checks) assert.ok(Math.abs(r) < 0.05, `${what}: correlation ${r.toFixed(4)}`);
  // Each row keeps about its share, so no row or column is striped.
  for (let r = 0; r < rows; r++) {
    const k = m!.subarray(r * cols, (r + 1) * cols).filter((v) => v !== 0).length;
    assert.ok(Math.abs(k - cols / 2) < 6 * Math.sqrt(cols / 4), `row ${r} kept ${k} of ${cols}`);
  }
});

test('dropout: gradient is dy·mask/(1−p) with the mask fixed by the seed (float64)', async () => {
  await gradCheck('dropout', [{ shape: [6, 7] }], (g, [x]) => dropout(g, x!, 0.3, g.constant([dropoutSeed(9, 3)], 'int32', []), 2));
});

test('softmaxCrossEntropy: masked, class-weighted mean of −log p(label); placeholders harmless', async () => {
  const logits = [[1, 2, 0.5], [0.1, -1, 3], [2, 2, 2], [0, 0, 1]];
  const labels = [1, -1, 2, 0];
  const mask = [1, 0, 1, 1];
  const cw = [2, 1, 0.5];
  const g = new Graph({ floatType: 'float64' });
  const l = g.input('logits', 'float64', ['batch', 3]);
  const y = g.input('labels', 'int64', ['batch']);
  const m = g.input('mask', 'float64', ['batch']);
  g.output(softmaxCrossEntropy(g, l, y, m, g.constant(cw, 'float64', [3])), 'weighted');
  g.output(softmaxCrossEntropy(g, l, y, m), 'plain');
  const session = await ort.InferenceSession.create(g.toBytes());
  const out = await session.run({
    logits: new ort.Tensor('float64', Float64Array.from(logits.flat()), [4, 3]),
    labels: new ort.Tensor('int64', BigInt64Array.from(labels.map(BigInt)), [4]),
    mask: new ort.Tensor('float64', Float64Array.from(mask), [4]),
  });
  const nll = (row: number[], k: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[k]!;
  let num = 0, den = 0, plain = 0;
  logits.forEach((row, b) => {
    if (!mask[b]) return;
    num += cw[labels[b]!]! * nll(row, labels[b]!);
    den += cw[labels[b]!]!;
    plain += nll(row, labels[b]!) / 3;
  });
  assert.ok(Math.abs(Number(out['weighted']!.data[0]) - num / Math.max(den, 1)) < 1e-12);
  assert.ok(Math.abs(Number(out['plain']!.data[0]) - plain) < 1e-12);
});
