/**
 * The pieces of reduced precision: float16 bit conversion, per-channel int8 quantization, the
 * quantized projection in each of its ONNX spellings, and the precision choice per device.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, INT8_FORMS, linear, quantizedLinear, quantizePerChannel } from '../../src/engine/graph/index.js';
import { float16Bits, float16Value } from '../../src/engine/graph/float16.js';
import { choosePrecision, deviceForPrecision, parsePrecision, precisionGraphOptions } from '../../src/engine/model/precision.js';
import { createSession, ort } from '../../src/engine/runtime/session.js';
import { Rng } from '../../src/engine/random.js';

test('float16 bits: exact values, round to nearest even, overflow, subnormals, NaN', () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [0.1, 0x2e66],
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and the next half: ties go to the even mantissa
    [1 + 3 * 2 ** -11, 0x3c02], // halfway, odd below: rounds up
    [65520, 0x7c00], [1e9, 0x7c00], [-Infinity, 0xfc00], // beyond the largest half: ∞
    [2 ** -24, 0x0001], [2 ** -14, 0x0400], [3 * 2 ** -25, 0x0002], // subnormals, the smallest normal; a tie rounds to even
    [1e-9, 0x0000],
  ];
  for (const [x, bits] of cases) assert.equal(float16Bits(x), bits, `float16(${x}) = 0x${float16Bits(x).toString(16)}, expected 0x${bits.toString(16)}`);
  assert.equal(float16Bits(NaN) & 0x7c00, 0x7c00);
  assert.ok(Number.isNaN(float16Value(float16Bits(NaN))));
  const rng = new Rng(2);
  for (let i = 0; i < 2000; i++) {
    const x = rng.normal() * 10 ** rng.int(5);
    const y = float16Value(float16Bits(x));
    assert.ok(Math.abs(y - x) <= Math.abs(x) * 2 ** -11, `${x} → ${y}`);
  }
});

test('per-channel int8 quantization: each output channel its own scale, ±127 (or ±63) at its largest weight', () => {
  const w = { shape: [3, 4], data: Float32Array.from([0.5, -1, 0.25, 0, 10, 20, -40, 5, 0, 0, 0, 0]) };
  const q = quantizePerChannel(w);
  assert.deepEqual(Array.from(q.scales), [1 / 127, 40 / 127, 1].map(Math.fround));
  // Stored transposed, [in, out]: column o is channel o.
  const col = (o: number) => [0, 1, 2, 3].map((i) => q.data[i * 3 + o]);
  assert.deepEqual(col(0), [64, -127, 32, 0]);
  assert.deepEqual(col(1), [32, 64, -127, 16]);
  assert.deepEqual(col(2), [0, 0, 0, 0], 'an all-zero channel stays zero');
  const q7 = quantizePerChannel(w, 7);
  assert.equal(Math.max(...Array.from(q7.data, Math.abs)), 63);
  const rng = new Rng(3);
  const big = { shape: [16, 32], data: Float32Array.from({ length: 512 }, () => rng.normal()) };
  const qb = quantizePerChannel(big);
  big.data.forEach((v, k) => {
    const [o, i] = [Math.floor(k / 32), k % 32];
    assert.ok(Math.abs(qb.data[i * 16 + o]! * qb.scales[o]! - v) <= qb.scales[o]! / 2 + 1e-7, `W[${o},${i}] within half a step`);
  });
});

test('the quantized projection, in every ONNX spelling, computes x·Wᵀ + b to within the quantization error', async () => {
  const rng = new Rng(5);
  const [n, inF, outF] = [6, 64, 24];
  const w = { shape: [outF, inF], data: Float32Array.from({ length: outF * inF }, () => 0.1 * rng.normal()) };
  const b = Float32Array.from({ length: outF }, () => rng.normal());
  const x = Float32Array.from({ length: n * inF }, () => rng.normal());
  const exact = new Float64Array(n * outF);
  for (let r = 0; r < n; r++) for (let o = 0; o < outF; o++) {
    let s = b[o]!;
    for (let i = 0; i < inF; i++) s += x[r * inF + i]! * w.data[o * inF + i]!;
    exact[r * outF + o] = s;
  }
  const results: Float32Array[] = [];
  for (const form of INT8_FORMS) {
    const g = new Graph();
    const xin = g.input('x', 'float32', [n, inF]);
    g.output(quantizedLinear(g, xin, quantizePerChannel(w), g.parameter('b', { shape: [outF], data: b }, false), form), 'y');
    const s = await createSession(g.toBytes(), 'cpu');
    const y = (await s.run({ x: new ort.Tensor('float32', x, [n, inF]) }))['y']!.data as Float32Array;
    await s.release();
    let err = 0;
    let scale = 0;
    y.forEach((v, k) => {
      err = Math.max(err, Math.abs(v - exact[k]!));
      scale = Math.max(scale, Math.abs(exact[k]!));
    });
    assert.ok(err < 0.02 * scale, `${form}: max error ${err} against outputs up to ${scale}`);
    results.push(y);
  }
  results.slice(1).forEach((y, i) => y.forEach((v, k) => assert.ok(Math.abs(v - results[0]![k]!) < 1e-4 * Math.max(1, Math.abs(v)), `${INT8_FORMS[i + 1]} vs ${INT8_FORMS[0]} at ${k}`)));
});

test('an int8 graph carries the integer weights instead of the float ones; task heads stay fp32', () => {
  const rng = new Rng(6);
  const t = (o: number, i: number) => ({ shape: [o, i], data: Float32Array.from({ length: o * i }, () => rng.normal()) });
  const build = (precision: 'fp32' | 'int8') => {
    const g = new Graph(precisionGraphOptions(precision, { bits: 8 }));
    const x = g.input('x', 'float32', ['n', 128]);
    const h = linear(g, x, g.parameter('encoder.layer.0.intermediate.dense.weight', t(256, 128), false));
    g.output(linear(g, h, g.parameter('heads.topic.out.weight', t(3, 256), false)), 'y');
    return g;
  };
  const [f, q] = [build('fp32'), build('int8')];
  assert.deepEqual(q.nodes.map((n) => n.op), ['DynamicQuantizeLinear', 'MatMulIntegerToFloat', 'Gemm']);
  const [fb, qb] = [f.toBytes().length, q.toBytes().length];
  // 128×256 weights: 128 KiB as float32, 32 KiB as int8 (+ 1 KiB of scales).
  assert.ok(fb - qb > 90_000, `float ${fb} bytes, int8 ${qb} bytes: the float weight is not in the int8 file`);
});

test('precision choice per device: fp16 needs a GPU, int8 the CPU; each fallback says why', async () => {
  assert.deepEqual(await choosePrecision('fp32', 'webgpu'), { precision: 'fp32' });
  assert.deepEqual(await choosePrecision('int8', 'cpu'), { precision: 'int8' });
  assert.deepEqual(await choosePrecision('auto', 'cpu'), { precision: 'fp32' });
  const fp16OnCpu = await choosePrecision('fp16', 'cpu');
  assert.equal(fp16OnCpu.precision, 'fp32');
  assert.match(fp16OnCpu.fallback!, /fp16 runs on a GPU/);
  const int8OnGpu = await choosePrecision('int8', 'webgpu');
  assert.equal(int8OnGpu.precision, 'fp32');
  assert.match(int8OnGpu.fallback!, /int8 runs on the CPU/);
  assert.equal(deviceForPrecision('int8', 'auto'), 'cpu', 'int8 with device auto runs on the CPU');
  assert.equal(deviceForPrecision('int8', 'webgpu'), 'webgpu', 'an explicit device is kept');
  assert.equal(deviceForPrecision('fp16', 'auto'), 'auto');
  assert.throws(() => parsePrecision('bf16'), /unknown precision "bf16"; expected one of fp32, fp16, int8, auto/);
});

test('int8, two-node form: projections of the same activation quantize it once', () => {
  const rng = new Rng(7);
  const w = () => ({ shape: [16, 16], data: Float32Array.from({ length: 256 }, () => rng.normal()) });
  const g = new Graph(precisionGraphOptions('int8', { bits: 8, form: 'matmul-integer-to-float' }));
  const x = g.input('x', 'float32', ['n', 16]);
  const [q, k, v] = ['query', 'key', 'value'].map((n) => linear(g, x, g.parameter(`encoder.layer.0.attention.self.${n}.weight`, w(), false)));
  linear(g, q!, g.parameter('encoder.layer.0.attention.output.dense.weight', w(), false));
  void k;
  void v;
  const count = (op: string) => g.nodes.filter((n) => n.op === op).length;
  assert.equal(count('MatMulIntegerToFloat'), 4);
  assert.equal(count('DynamicQuantizeLinear'), 2, 'x once for Q, K and V; the output projection reads another value');
});
