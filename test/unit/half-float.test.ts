/**
 * fp16 / bf16 ↔ fp32, exhaustively: every 16-bit pattern decodes and encodes back to itself,
 * and values between two neighbours round to the nearer one, ties to the even pattern (what
 * PyTorch's .half() / .bfloat16() do), so a checkpoint saved back in its source dtype holds
 * what Python would have written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f32ToHalf, halfToF32 } from '../../src/engine/weights/half-float.js';

const ALL = Uint16Array.from({ length: 65536 }, (_, i) => i);

for (const dtype of ['F16', 'BF16'] as const) {
  test(`${dtype}: every pattern round-trips; midpoints round to nearest, ties to even; overflow and NaN`, () => {
    const decoded = halfToF32(ALL, dtype);
    const back = f32ToHalf(decoded, dtype);
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(decoded[h])) assert.ok(Number.isNaN(halfToF32(back.subarray(h, h + 1), dtype)[0]), `NaN ${h} stays NaN`);
      else assert.equal(back[h], h, `pattern ${h.toString(16)} (${decoded[h]}) round-trips`);
    }
    // Between consecutive finite positive patterns h and h+1: just below the midpoint goes to h,
    // just above to h+1, the midpoint itself to whichever is even.
    const expBits = dtype === 'F16' ? 0x7c00 : 0x7f80;
    for (let h = 1; h < expBits - 1; h += 7) {
      const lo = decoded[h]!;
      const hi = decoded[h + 1]!;
      const mid = (lo + hi) / 2;
      if (Math.fround(mid) !== mid) continue; // not representable in fp32 (cannot occur for these formats)
      const enc = (x: number) => f32ToHalf(Float32Array.of(x), dtype)[0]!;
      assert.equal(enc(mid), h % 2 === 0 ? h : h + 1, `tie between ${h} and ${h + 1}`);
      const below = Math.fround(mid - (mid - lo) / 4);
      const above = Math.fround(mid + (hi - mid) / 4);
      assert.equal(enc(below), h);
      assert.equal(enc(above), h + 1);
      assert.equal(enc(-below), h | 0x8000, 'sign kept');
    }
    const enc = (x: number) => f32ToHalf(Float32Array.of(x), dtype)[0]!;
    assert.equal(enc(Infinity), expBits);
    assert.equal(enc(-Infinity), expBits | 0x8000);
    assert.ok(Number.isNaN(halfToF32(Uint16Array.of(enc(NaN)), dtype)[0]));
    if (dtype === 'F16') {
      assert.equal(enc(70000), 0x7c00, 'beyond the largest half (65504) is Infinity');
      assert.equal(enc(2 ** -26), 0, 'below half the smallest subnormal is zero');
      assert.equal(enc(3 * 2 ** -26), 1, 'three quarters of a subnormal step rounds up to it');
    }
  });
}
