/**
 * 16-bit floats ↔ float32, for checkpoints stored as F16 (IEEE half) or BF16 (bfloat16).
 * Narrowing rounds to nearest, ties to even, as PyTorch's `.half()` / `.bfloat16()` do, so a
 * checkpoint saved back in its source dtype holds what Python would have written.
 */

let f16Table: Float32Array | undefined;

/** All 65,536 half-precision values decoded once: a table lookup beats bit twiddling per element. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = t;
  return t;
}

/** Decodes 16-bit floats (F16 through the table, BF16 as the top half of an F32). */
export function halfToF32(src: Uint16Array, dtype: 'F16' | 'BF16'): Float32Array {
  const out = new Float32Array(src.length);
  if (dtype === 'F16') {
    const table = halfTable();
    for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  } else {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  }
  return out;
}

/** Shifts `mantissa` right by `shift` bits, rounding to nearest with ties to even. */
function roundShift(mantissa: number, shift: number): number {
  const kept = mantissa >>> shift;
  const rest = mantissa & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** One float32 (as its bits) → IEEE half bits. Overflow gives ±Infinity, underflow ±0 or a subnormal. */
function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: the implicit leading 1 becomes explicit and shifts out with the rest.
    return sign | roundShift(mant | 0x800000, 14 - e);
  }
  // A carry out of the mantissa correctly bumps the exponent (and reaches Infinity at the top).
  return sign | (((e << 10) | 0) + roundShift(mant, 13));
}

/** One float32 (as its bits) → bfloat16 bits: the top half, rounded; NaN stays NaN. */
function f32BitsToBf16(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f32ToHalf(src: Float32Array, dtype: 'F16' | 'BF16'): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  const narrow = dtype === 'F16' ? f32BitsToF16 : f32BitsToBf16;
  for (let i = 0; i < src.length; i++) out[i] = narrow(bits[i]!);
  return out;
}
