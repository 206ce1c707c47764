/**
 * Inverted dropout whose mask is a pure function of (step seed, site, element index).
 *
 * Why not ONNX Dropout or RandomUniformLike: their `seed` attribute is fixed when the session
 * is created, and the masks then follow the runtime's internal RNG state, so step k of a run
 * resumed in a new session (or on another device) would draw different masks. Feeding a
 * uniform tensor from TypeScript is reproducible but costs a host→device copy the size of
 * every attention map. Instead the graph hashes each element's flat index with the seed fed
 * as an int64 scalar input (`dropoutSeed(seed, step)` gives it, so resuming at step k gives
 * step k's masks exactly), using only Mul/Add/Mod on int64 with every intermediate below
 * 2^63: no overflow, so every device computes the same bits. The hash is three rounds of
 * x ← (x² + cᵣ) mod p over the prime p = 2³¹−1 after x₀ = 48271·i + seed: a polynomial of
 * degree 8 in the index mod p, so neighbouring indices decorrelate (a linear generator alone
 * gives striped masks; extra linear steps between rounds would add cost and no mixing).
 *
 * Cost (measured, CPU, 2 shared cores, H=128, 2 layers, batch 16×64): dropout at every
 * BertModel site makes a training step ~1.3–1.45× as long (27.6 → 40.1 ms in the quietest
 * run), because this small model's GEMMs are cheap next to ~12 int64 ops per element of each
 * attention map; the share falls as H grows. An earlier variant with a linear step in each
 * round cost ~3×.
 * On WebGPU the int64 Mod/Mul/Add run on the CPU provider (WebGPU has no int64 Mod), so the
 * masks are computed on the host and copied; results match the CPU provider bit for bit.
 *
 * The mask comes from integers, so it is not differentiated: the output is a plain Mul of x
 * by mask/(1−p), and the Mul rule gives dx = dy·mask/(1−p).
 */
import type { Graph, Value } from '../graph.js';
import { mul } from './elementwise.js';
import { cast, range, reshapeTo, shapeOf } from './shape-ops.js';

const P = 2147483647n; // 2^31 − 1
const ROUND_CONSTANTS = [1013904223n, 1664525n, 362436069n];

/** The int64 seed input for one training step: same (seed, step) → same masks, anywhere. */
export function dropoutSeed(seed: number, step: number): bigint {
  // splitmix-style mixing in BigInt, reduced below p so the graph's products cannot overflow.
  let z = (BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n + BigInt(step) * 0xbf58476d1ce4e5b9n + 1n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  return (z ^ (z >> 31n)) % P;
}

function int(g: Graph, op: string, a: Value, b: Value): Value {
  return g.node(op, [a, b], [{ dtype: 'int64', shape: a.shape }])[0]!;
}

/** Keep mask scaled by 1/(1−rate), same shape as x, in x's float type. */
export function dropoutMask(g: Graph, x: Value, rate: number, seed: Value, salt: number): Value {
  if (!(rate > 0 && rate < 1)) throw new Error(`dropout rate must be in (0, 1), got ${rate}`);
  const c = (v: bigint) => g.constant([v], 'int64', []);
  const size = g.node('Size', [x], [{ dtype: 'int64', shape: [] }])[0]!;
  const index = reshapeTo(g, range(g, size, 'elements'), shapeOf(g, x), x.shape);
  const salted = int(g, 'Mod', int(g, 'Add', seed, c((BigInt(salt) * 2654435761n) % P)), c(P));
  let h = int(g, 'Mod', int(g, 'Add', int(g, 'Mul', index, c(48271n)), salted), c(P));
  for (const k of ROUND_CONSTANTS) {
    h = int(g, 'Mod', int(g, 'Add', int(g, 'Mul', h, h), c(k)), c(P));
  }
  const threshold = c(BigInt(Math.round(rate * Number(P))));
  const keep = g.node('GreaterOrEqual', [h, threshold], [{ dtype: 'bool', shape: x.shape }])[0]!;
  return mul(g, cast(g, keep, x.dtype), g.scalar(1 / (1 - rate)));
}

export function dropout(g: Graph, x: Value, rate: number, seed: Value, salt: number): Value {
  return mul(g, x, dropoutMask(g, x, rate, seed, salt));
}
