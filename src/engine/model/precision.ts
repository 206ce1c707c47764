/**
 * Inference precision: fp32 (exact), fp16 on a GPU (weights and activations in half
 * precision; LayerNormalization keeps its statistics in fp32), int8 on the CPU (encoder
 * projections as integer GEMMs over weights quantized per output channel). The accuracy cost
 * of each is measured on the bundled data (BENCHMARKS.md, "Precision") and stated in the
 * `sentenceLens.precision` setting.
 *
 * Which precision a request ends up with depends on the device: fp16 needs a GPU provider
 * whose adapter has shader-f16 (probed once by running a small fp16 graph), int8 needs the
 * CPU provider's integer kernels. Anything that cannot run as asked falls back to fp32 and
 * says why, as device choice does.
 */
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { isPrecisionSetting, PRECISION_SETTINGS, type Precision, type PrecisionSetting } from '../choices.js';
import { SentenceLensError } from '../errors.js';
import {
  type FloatType, Graph, type Int8Form, type LinearLowering, type QuantizedInputs, cast, layerNorm, linear, quantizedLinear, quantizePerChannel, softmax,
} from '../graph/index.js';
import type { Device, DeviceSetting } from '../runtime/device.js';
import { createSession, ort } from '../runtime/session.js';

export type { Precision, PrecisionSetting };

export function parsePrecision(s: string): PrecisionSetting {
  if (isPrecisionSetting(s)) return s;
  throw new SentenceLensError('BAD_ARGUMENT', `unknown precision "${s}"; expected one of ${PRECISION_SETTINGS.join(', ')}`);
}

export interface PrecisionChoice {
  readonly precision: Precision;
  /** Why the request was not honoured as asked (absent when it was). */
  readonly fallback?: string;
}

/** int8 is a CPU precision: with device `auto` it decides the device too. */
export function deviceForPrecision(precision: PrecisionSetting | undefined, device: DeviceSetting): DeviceSetting {
  return precision === 'int8' && device === 'auto' ? 'cpu' : device;
}

/** What runs on `device` for the setting: `auto` is fp16 on a GPU that has it, else fp32. */
export async function choosePrecision(setting: PrecisionSetting, device: Device): Promise<PrecisionChoice> {
  if (setting === 'fp32') return { precision: 'fp32' };
  if (setting === 'int8') {
    return device === 'cpu' ? { precision: 'int8' } : { precision: 'fp32', fallback: `int8 runs on the CPU's integer GEMMs; on ${device} fp32 is used (set the device to cpu for int8)` };
  }
  if (device === 'cpu') {
    return setting === 'auto' ? { precision: 'fp32' } : { precision: 'fp32', fallback: 'fp16 runs on a GPU (webgpu or cuda); the CPU runs fp32' };
  }
  const why = await float16UnavailableReason(device);
  if (!why) return { precision: 'fp16' };
  return setting === 'auto' ? { precision: 'fp32' } : { precision: 'fp32', fallback: `fp16 is not available on ${device} (${why}); fp32 is used` };
}

export interface Int8Options {
  /** 8, or 7 ("reduce range") where the CPU has no VNNI; default: int8WeightBits(). */
  readonly bits?: 7 | 8;
  readonly form?: Int8Form;
}

/** The graph's float type and the lowering of its projections for a precision. */
export function precisionGraphOptions(precision: Precision, int8: Int8Options = {}): { floatType: FloatType; lowerLinear?: LinearLowering } {
  if (precision === 'fp16') return { floatType: 'float16' };
  if (precision === 'fp32') return { floatType: 'float32' };
  const bits = int8.bits ?? int8WeightBits();
  const shared: QuantizedInputs = new Map();
  // Encoder projections only: a task head is one small GEMM on the pooled vector, where int8
  // would buy no time and would put its rounding straight onto the labels.
  const lowerLinear: LinearLowering = (g, x, weight, bias, name) =>
    name.startsWith('heads.') ? undefined : quantizedLinear(g, x, quantizePerChannel(weight, bits), bias, int8.form, shared);
  return { floatType: 'float32', lowerLinear };
}

/**
 * 8-bit weights where the CPU multiplies u8·s8 with VNNI (or is ARM64, whose kernels do not
 * saturate); 7-bit otherwise, because x86's pre-VNNI u8·s8 instruction sums pairs of products
 * into 16 bits and saturates with full-range weights (ONNX Runtime's quantization guide gives
 * the same advice: reduce range without VNNI). Unknown CPUs get 7 bits: slightly coarser,
 * never wrong.
 */
export function int8WeightBits(): 7 | 8 {
  if (arch() === 'arm64') return 8;
  try {
    const flags = /flags\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(' ') ?? [];
    return flags.includes('avx512_vnni') || flags.includes('avx_vnni') ? 8 : 7;
  } catch {
    return 7;
  }
}

const f16Probe = new Map<Device, Promise<string | undefined>>();

/**
 * Runs a small fp16 graph (Gemm, LayerNormalization, Softmax, Casts) on `device` and checks
 * its numbers; a provider whose adapter lacks shader-f16 fails to compile the shaders or
 * computes nonsense. Cached per device for the process.
 */
export function float16UnavailableReason(device: Device): Promise<string | undefined> {
  let p = f16Probe.get(device);
  if (!p) {
    p = probeFloat16(device);
    f16Probe.set(device, p);
  }
  return p;
}

async function probeFloat16(device: Device): Promise<string | undefined> {
  const n = 8;
  const g = new Graph({ floatType: 'float16', name: 'sentence_lens_fp16_probe' });
  const x = g.input('x', 'float32', [2, n]);
  const w = g.parameter('w', { shape: [n, n], data: Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)) }, false);
  const ones = g.parameter('ln_w', { shape: [n], data: new Float32Array(n).fill(1) }, false);
  const zeros = g.parameter('ln_b', { shape: [n], data: new Float32Array(n) }, false);
  const h = layerNorm(g, linear(g, cast(g, x, 'float16'), w), ones, zeros, 1e-5);
  g.output(cast(g, softmax(g, h), 'float32'), 'y');
  try {
    const s = await createSession(g.toBytes(), device);
    const input = Float32Array.from({ length: 2 * n }, (_, i) => i % n);
    const out = await s.run({ x: new ort.Tensor('float32', input, [2, n]) });
    const y = out['y']!.data as Float32Array;
    await s.release();
    const expected = softmaxOfNormalized(Array.from({ length: n }, (_, i) => i));
    const worst = Math.max(...Array.from(y, (v, i) => Math.abs(v - expected[i % n]!)));
    return worst < 2e-3 ? undefined : `the fp16 probe computed wrong numbers (max error ${worst.toExponential(2)})`;
  } catch (e) {
    return String(e instanceof Error ? e.message : e).split('\n')[0]!.slice(0, 200);
  }
}

function softmaxOfNormalized(xs: number[]): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length + 1e-5);
  const e = xs.map((v) => Math.exp((v - mean) / sd));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
