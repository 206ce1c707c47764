// Checks that onnxruntime-node's WebGPU provider finds an adapter (on CI: Mesa 25 lavapipe through
// Dawn's Vulkan backend, DESIGN.md §7) by running a tiny MatMul model on WebGPU and on CPU.
// Prints what it finds; exits 1 when WebGPU cannot run. Usage: node scripts/check-webgpu.mjs
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const protobuf = require('protobufjs');

// A minimal ONNX ModelProto written field by field (onnx.proto numbers): Y = MatMul(A, B).
function model() {
  const w = () => protobuf.Writer.create();
  const dim = (v) => w().uint32((1 << 3) | 0).int64(v).finish();
  const shape = (dims) => { const s = w(); for (const d of dims) s.uint32((1 << 3) | 2).bytes(dim(d)); return s.finish(); };
  const tensorType = (dims) => w().uint32((1 << 3) | 0).int32(1 /* FLOAT */).uint32((2 << 3) | 2).bytes(shape(dims)).finish();
  const valueInfo = (name, dims) =>
    w().uint32((1 << 3) | 2).string(name).uint32((2 << 3) | 2).bytes(w().uint32((1 << 3) | 2).bytes(tensorType(dims)).finish()).finish();
  const node = w().uint32((1 << 3) | 2).string('A').uint32((1 << 3) | 2).string('B').uint32((2 << 3) | 2).string('Y')
    .uint32((3 << 3) | 2).string('mm').uint32((4 << 3) | 2).string('MatMul').finish();
  const graph = w().uint32((1 << 3) | 2).bytes(node).uint32((2 << 3) | 2).string('g')
    .uint32((11 << 3) | 2).bytes(valueInfo('A', [2, 3])).uint32((11 << 3) | 2).bytes(valueInfo('B', [3, 2]))
    .uint32((12 << 3) | 2).bytes(valueInfo('Y', [2, 2])).finish();
  const opset = w().uint32((1 << 3) | 2).string('').uint32((2 << 3) | 0).int64(17).finish();
  return w().uint32((1 << 3) | 0).int64(8).uint32((7 << 3) | 2).bytes(graph).uint32((8 << 3) | 2).bytes(opset).finish();
}

const feeds = {
  A: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
  B: new ort.Tensor('float32', Float32Array.from([7, 8, 9, 10, 11, 12]), [3, 2]),
};
const bytes = model();
const run = async (ep) => {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], logSeverityLevel: 3 });
  const y = (await session.run(feeds)).Y;
  await session.release();
  return { data: Array.from(y.data), ms: Math.round(performance.now() - t0) };
};

console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version}, backends: ${ort.listSupportedBackends().map((b) => b.name).join(', ')}`);
const cpu = await run('cpu');
console.log(`cpu:    ${JSON.stringify(cpu.data)} (${cpu.ms} ms)`);
try {
  const gpu = await run('webgpu');
  const same = gpu.data.every((v, i) => Math.abs(v - cpu.data[i]) < 1e-4);
  console.log(`webgpu: ${JSON.stringify(gpu.data)} (${gpu.ms} ms) ${same ? 'matches cpu' : 'DIFFERS from cpu'}`);
  process.exit(same ? 0 : 1);
} catch (e) {
  console.log(`webgpu: unavailable: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
