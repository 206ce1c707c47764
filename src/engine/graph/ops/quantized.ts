/**
 * int8 projections for CPU inference: weights quantized once per output channel (symmetric,
 * zero point 0), activations quantized per tensor at run time, the product an integer GEMM
 * (MLAS's u8s8 kernels, VNNI where the CPU has it).
 *
 * Gradient rule: none. A quantized weight is a frozen constant of an inference graph and
 * rounding has no useful derivative, so these nodes carry no backward rule and `grad()` refuses
 * a graph that would need one (its "no gradient rule" error names the node).
 */
import type { Graph, TensorData, Value } from '../graph.js';
import { cast } from './shape-ops.js';
import { add, mul } from './elementwise.js';

/**
 * How the integer product is spelled in ONNX. All three compute the same numbers; their speed
 * is measured by `npm run bench:precision` ("int8 spellings"): on the loaded 2-core dev
 * machine they came within noise of each other (2.24–2.56× fp32 in one run, 3.47–3.65× in
 * another; MiniLM shape, batch 32 × 128). `matmul-integer-to-float` is the default because it
 * quantizes an activation once for all the projections that read it (Q, K and V).
 *  - `matmul-integer-to-float`: DynamicQuantizeLinear → com.microsoft MatMulIntegerToFloat;
 *    projections of the same activation (Q, K, V) share one quantization of it.
 *  - `dynamic-quantize-matmul`: com.microsoft DynamicQuantizeMatMul, one node (quantize x,
 *    integer GEMM, scale, bias), so every projection quantizes its input again.
 *  - `matmul-integer`: standard ONNX only: DynamicQuantizeLinear → MatMulInteger → Cast →
 *    Mul (scales) → Add (bias), for runtimes without Microsoft's contrib ops.
 */
export type Int8Form = 'dynamic-quantize-matmul' | 'matmul-integer-to-float' | 'matmul-integer';
export const INT8_FORMS: readonly Int8Form[] = ['dynamic-quantize-matmul', 'matmul-integer-to-float', 'matmul-integer'];
export const DEFAULT_INT8_FORM: Int8Form = 'matmul-integer-to-float';

/**
 * Activations already quantized, by the float value they came from: with the two-node forms,
 * projections that read the same input (an attention layer's Q, K and V) quantize it once.
 */
export type QuantizedInputs = Map<Value, readonly [Value, Value, Value]>;

export interface QuantizedWeight {
  /** Wᵀ as int8 [in, out]: MatMul's B layout, so no transpose runs at inference. */
  readonly data: Int8Array;
  /** One scale per output channel: max |W[o, :]| / 127. */
  readonly scales: Float32Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/**
 * Symmetric per-output-channel quantization of a PyTorch-layout weight [out, in].
 * `bits` 8 uses [-127, 127]; 7 uses [-63, 63] ("reduce range"), which keeps CPUs without VNNI
 * from saturating the 16-bit pairwise sums of their u8·s8 instruction.
 */
export function quantizePerChannel(weight: TensorData, bits: 7 | 8 = 8): QuantizedWeight {
  const [out, inF] = weight.shape as [number, number];
  const w = weight.data as Float32Array;
  const qmax = bits === 8 ? 127 : 63;
  const data = new Int8Array(out * inF);
  const scales = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let m = 0;
    for (let i = 0; i < inF; i++) m = Math.max(m, Math.abs(w[o * inF + i]!));
    const s = m > 0 ? m / qmax : 1;
    scales[o] = s;
    for (let i = 0; i < inF; i++) data[i * out + o] = Math.max(-qmax, Math.min(qmax, Math.round(w[o * inF + i]! / s)));
  }
  return { data, scales, inFeatures: inF, outFeatures: out };
}

/** y = x·Wᵀ + b with W quantized per output channel; x is float [n, in]. */
export function quantizedLinear(
  g: Graph, x: Value, q: QuantizedWeight, bias: Value | undefined,
  form: Int8Form = DEFAULT_INT8_FORM, shared: QuantizedInputs = new Map(),
): Value {
  const shape = [x.shape[0]!, q.outFeatures];
  const w = g.tensorConstant({ shape: [q.inFeatures, q.outFeatures], data: q.data }, 'int8', 'weight_int8');
  const scales = g.tensorConstant({ shape: [q.outFeatures], data: q.scales }, 'float32', 'weight_scale');
  const f32 = x.dtype === 'float32' ? x : cast(g, x, 'float32');
  let y: Value;
  if (form === 'dynamic-quantize-matmul') {
    const inputs = bias ? [f32, w, scales, g.constant([0], 'int8', [1]), bias] : [f32, w, scales];
    y = g.node('DynamicQuantizeMatMul', inputs, [{ dtype: 'float32', shape }], {}, undefined, 'com.microsoft')[0]!;
    return y;
  }
  let quantized = shared.get(x);
  if (!quantized) {
    quantized = g.node('DynamicQuantizeLinear', [f32], [
      { dtype: 'uint8', shape: f32.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] },
    ]) as [Value, Value, Value];
    shared.set(x, quantized);
  }
  const [xq, xScale, xZero] = quantized;
  if (form === 'matmul-integer-to-float') {
    const inputs = [xq, w, xScale, scales, xZero, g.constant([0], 'int8', [1]), ...(bias ? [bias] : [])];
    return g.node('MatMulIntegerToFloat', inputs, [{ dtype: 'float32', shape }], {}, undefined, 'com.microsoft')[0]!;
  }
  const acc = g.node('MatMulInteger', [xq, w, xZero], [{ dtype: 'int32', shape }])[0]!;
  y = mul(g, cast(g, acc, 'float32'), mul(g, xScale, scales));
  return bias ? add(g, y, bias) : y;
}
