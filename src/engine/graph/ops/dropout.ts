/**
 * Inverted dropout whose mask is a pure function of (step seed, site, element index).
 *
 * Why not ONNX Dropout or RandomUniformLike: their `seed` attribute is fixed when the session
 * is created, and the masks then follow the runtime's internal RNG state, so step k of a run
 * resumed in a new session (or on another device) would draw different masks. Feeding a
 * uniform tensor from TypeScript is reproducible but costs a host→device copy the size of
 * every attention map. Instead the graph hashes each element's position with the seed fed as
 * an int32 scalar input (`dropoutSeed(seed, step)` gives it, so resuming at step k gives step
 * k's masks exactly).
 *
 * Why int32 Add/Mul/Div and nothing else: the mask must be computed where the activations
 * live. ONNX Runtime's WebGPU provider (onnxruntime/core/providers/webgpu/
 * webgpu_execution_provider.cc, checked on 1.30 with `session.disable_cpu_ep_fallback`) runs
 * Add/Sub/Mul/Div/comparisons/Where on int32 and float32, Shape, Slice, Unsqueeze, but has no
 * Mod, no BitShift or Bitwise* ops, and no int64 arithmetic or Cast from int64 at all; the
 * earlier int64 Mul/Add/Mod hash therefore ran on the CPU provider and ORT copied every mask
 * up each step. int32 multiplication wraps modulo 2³² on both providers (WGSL defines it; the
 * CPU kernel's C++ multiply compiles to a wrapping one, which C++ does not promise, so
 * test/integration/dropout-webgpu.test.ts checks it), and a Div by a power of two truncates
 * toward zero on both: CPU and WebGPU masks are bit-identical.
 * (Exact-integer float32 arithmetic would also agree everywhere, but keeping products below
 * 2²⁴ limits factors to 12 bits and a decent hash would need several times the ops.)
 *
 * The hash (see `mix`) squares: a MurmurHash3-style finaliser with each `h ^= h >>> s` written
 * as `h += h / 2ˢ` stays almost linear mod 2³² (measured: masks of adjacent elements correlated
 * 0.49), whereas two rounds of h ← fold(h² + c) after a linear step leave adjacent, strided and
 * next-site masks uncorrelated (a model of the same int32 ops in JS: |r| < 0.005 at every offset
 * 1…300 on 786k elements, 8-bit pattern χ² at its expected value; the unit tests check the
 * masks ORT computes). No Size or Range over the flat index either (the element
 * count is int64, which WebGPU cannot turn into an int32): the position is folded in one axis at
 * a time, h ← mix(h[…, None] + i_k), where i_k = 0…d_k−1 is a Slice, up to the axis's run-time
 * size, of a constant 0…2¹⁶−1 (float32, as WebGPU's Slice takes only float data; ORT folds the
 * Range that makes it when the session loads). Every level but the last runs on a tensor d_last
 * times smaller, so a mask costs about twelve int32 ops per element.
 *
 * Cost (measured, 2 shared cores, H=128, 2 layers, batch 16×64, dropout at every BertModel
 * site against none in the same run; BENCHMARKS.md "Dropout masks on the device"): a training
 * step takes 1.10× as long on the CPU (the int64 hash: 1.3–1.45×) and 1.04× GPU-resident on
 * lavapipe, where the masks no longer cross from host to device.
 *
 * The mask comes from integers, so it is not differentiated: the output is a plain Mul of x
 * by the mask (1/(1−p) where kept, else 0), and the Mul rule gives dx = dy·mask.
 */
import type { Graph, Value } from '../graph.js';
import { OnnxDataType } from '../onnx-proto.js';
import { mul } from './elementwise.js';
import { shapeOf, unsqueeze } from './shape-ops.js';

/** Longest axis a mask can cover: each axis's index is a slice of 0…MAX_DROPOUT_AXIS−1. */
export const MAX_DROPOUT_AXIS = 1 << 16;
const SITE_STRIDE = 0x9e3779b9 | 0; // golden-ratio step: sites' seeds far apart
const SPREAD = [0x85ebca6b | 0, 0x6b43a9b5 | 0]; // odd multiplier and offset of the linear step
const SQUARE_OFFSETS = [0x1b873593 | 0, 0x5bd1e995 | 0];
const FOLD = 2 ** 16;
const INT32_SPAN = 2 ** 32;

/** The int32 seed input for one training step: same (seed, step) → same masks, anywhere. */
export function dropoutSeed(seed: number, step: number): number {
  // splitmix64 of the pair in BigInt, folded to a signed 32-bit value.
  let z = (BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n + BigInt(step) * 0xbf58476d1ce4e5b9n + 1n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  z ^= z >> 31n;
  return Number(BigInt.asIntN(32, z ^ (z >> 32n)));
}

/** An int32 op whose output has a's shape unless `shape` says otherwise (a broadcast). */
function int(g: Graph, op: string, a: Value, b: Value, shape = a.shape): Value {
  return g.node(op, [a, b], [{ dtype: 'int32', shape }])[0]!;
}

const i32 = (g: Graph, v: number) => g.constant([v | 0], 'int32', []);

/**
 * h ← h·a + b, then twice h ← fold(h² + cᵣ) with fold(h) = h + h/2¹⁶ (a truncating Div):
 * squaring makes it nonlinear, folding feeds the high bits back into the low ones.
 */
function mix(g: Graph, h: Value): Value {
  h = int(g, 'Add', int(g, 'Mul', h, i32(g, SPREAD[0]!)), i32(g, SPREAD[1]!));
  for (const c of SQUARE_OFFSETS) {
    h = int(g, 'Add', int(g, 'Mul', h, h), i32(g, c));
    h = int(g, 'Add', h, int(g, 'Div', h, i32(g, FOLD)));
  }
  return h;
}

const iotas = new WeakMap<Graph, Value>();

/**
 * 0…MAX_DROPOUT_AXIS−1, one per graph; ORT folds the Range into a constant when the session
 * loads. float32 (exact below 2²⁴) because WebGPU's Slice takes only float data.
 */
function iota(g: Graph): Value {
  let v = iotas.get(g);
  if (!v) {
    const f = (x: number) => g.constant([x], 'float32', []);
    v = g.node('Range', [f(0), f(MAX_DROPOUT_AXIS), f(1)], [{ dtype: 'float32', shape: [MAX_DROPOUT_AXIS] }])[0]!;
    iotas.set(g, v);
  }
  return v;
}

/** 0…d_k−1 for axis k of x, d_k read at run time. */
function axisIndex(g: Graph, x: Value, k: number): Value {
  const d = x.shape[k]!;
  if (typeof d === 'number' && d > MAX_DROPOUT_AXIS) throw new Error(`dropout: axis ${k} has ${d} elements; at most ${MAX_DROPOUT_AXIS} are supported`);
  const index = g.node('Slice', [iota(g), g.int64s([0]), shapeOf(g, x, k, k + 1)], [{ dtype: 'float32', shape: [d] }])[0]!;
  return g.node('Cast', [index], [{ dtype: 'int32', shape: [d] }], { to: OnnxDataType.int32 })[0]!;
}

/** A pseudo-random int32 per element of x, from (seed, salt, position). */
function positionHash(g: Graph, x: Value, seed: Value, salt: number): Value {
  if (x.rank === 0) throw new Error('dropout: a scalar has no positions to mask');
  let h = mix(g, int(g, 'Add', axisIndex(g, x, 0), int(g, 'Add', seed, i32(g, Math.imul(salt + 1, SITE_STRIDE)))));
  for (let k = 1; k < x.rank; k++) h = mix(g, int(g, 'Add', unsqueeze(g, h, [-1]), axisIndex(g, x, k), x.shape.slice(0, k + 1)));
  return h;
}

/** Keep mask scaled by 1/(1−rate), same shape as x, in x's float type. */
export function dropoutMask(g: Graph, x: Value, rate: number, seed: Value, salt: number): Value {
  if (!(rate > 0 && rate < 1)) throw new Error(`dropout rate must be in (0, 1), got ${rate}`);
  if (seed.dtype !== 'int32') throw new Error(`dropout seed must be an int32 scalar, got ${seed.dtype}`);
  // h is uniform over [−2³¹, 2³¹): keep when it lands in the top (1 − rate) of that range.
  const threshold = i32(g, Math.round(rate * INT32_SPAN) - 2 ** 31);
  const keep = g.node('GreaterOrEqual', [positionHash(g, x, seed, salt), threshold], [{ dtype: 'bool', shape: x.shape }])[0]!;
  const scale = g.constant([1 / (1 - rate)], x.dtype, []);
  return g.node('Where', [keep, scale, g.constant([0], x.dtype, [])], [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export function dropout(g: Graph, x: Value, rate: number, seed: Value, salt: number): Value {
  return mul(g, x, dropoutMask(g, x, rate, seed, salt));
}
