import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipGlobalNorm, firstNonFinite, globalNorm } from '../../src/engine/train/clip.js';
import { SentenceLensError } from '../../src/engine/errors.js';

test('global norm over all tensors: √(3²+4²+12²) = 13', () => {
  const grads = new Map([['a', Float32Array.from([3, 4])], ['b', Float32Array.from([12])]]);
  assert.equal(globalNorm(grads), 13);
  const r = clipGlobalNorm(grads, 1);
  assert.equal(r.norm, 13);
  assert.equal(r.finite, true);
  // torch: clip_coef = max_norm / (total_norm + 1e-6)
  const scale = 1 / (13 + 1e-6);
  assert.equal(r.scale, scale);
  assert.deepEqual(grads.get('a'), Float32Array.from([3 * scale, 4 * scale]));
  assert.deepEqual(grads.get('b'), Float32Array.from([12 * scale]));
  assert.ok(Math.abs(globalNorm(grads) - 1) < 1e-6);
});

test('under the limit nothing changes (scale clamped to 1)', () => {
  const g = [Float32Array.from([3, 4])];
  const r = clipGlobalNorm(g, 5.5);
  assert.deepEqual(r, { norm: 5, scale: 1, finite: true });
  assert.deepEqual(g[0], Float32Array.from([3, 4]));
  // Infinity: norm only.
  assert.deepEqual(clipGlobalNorm(g, Infinity), { norm: 5, scale: 1, finite: true });
});

test('at exactly maxNorm, torch still scales by maxNorm/(norm+1e-6)', () => {
  const g = [Float32Array.from([3, 4])];
  const r = clipGlobalNorm(g, 5);
  assert.equal(r.scale, 5 / (5 + 1e-6));
});

test('accumulates in float64: many small float32 values', () => {
  // 1e7 elements of 1e-4: Σg² = 1e-1 → norm √0.1; a float32 running sum would drift visibly.
  const g = new Float32Array(10_000_000).fill(1e-4);
  const exact = Math.sqrt(10_000_000 * Math.fround(1e-4) ** 2);
  assert.ok(Math.abs(globalNorm([g]) - exact) / exact < 1e-8);
  let f32 = 0;
  for (let i = 0; i < g.length; i++) f32 = Math.fround(f32 + Math.fround(g[i]! * g[i]!));
  assert.ok(Math.abs(Math.sqrt(f32) - exact) / exact > 1e-3, 'a float32 sum would be off by more than 0.1%');
});

test('a non-finite norm leaves the grads alone and says so', () => {
  const grads = new Map([['heads.t.out.weight', Float32Array.from([1, 2])], ['heads.t.out.bias', Float32Array.from([NaN, 1])]]);
  const r = clipGlobalNorm(grads, 1);
  assert.equal(r.finite, false);
  assert.equal(r.scale, 1);
  assert.deepEqual(grads.get('heads.t.out.weight'), Float32Array.from([1, 2]));
  assert.equal(firstNonFinite(grads), 'heads.t.out.bias[0] = NaN');
  assert.equal(clipGlobalNorm([Float32Array.from([Infinity])], 1).finite, false);
});

test('maxNorm must be positive', () => {
  for (const bad of [0, -1, NaN]) {
    assert.throws(() => clipGlobalNorm([new Float32Array(1)], bad), (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_ARGUMENT' && /max gradient norm/.test(e.message));
  }
});
