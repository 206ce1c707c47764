/**
 * The hand-framed initializers of Graph.toBytes: protobufjs decodes the bytes to the model
 * it would have encoded itself (raw data included, with lengths that need multi-byte
 * varints), and ONNX Runtime computes with the weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, matmul, reduceSum } from '../../src/engine/graph/index.js';
import { ModelProto } from '../../src/engine/graph/onnx-proto.js';
import { ort } from '../../src/engine/runtime/session.js';

test('initializers framed by hand decode as protobuf and run in ONNX Runtime', async () => {
  const g = new Graph({ name: 'framing' });
  const x = g.input('x', 'float32', [1, 4]);
  const big = new Float32Array(4 * 1_100_000).map((_, i) => (i % 7) / 1000); // 17.6 MB: a 4-byte length varint
  const w = g.parameter('w', { shape: [4, 1_100_000], data: big }, false);
  const small = g.parameter('s', { shape: [1], data: new Float32Array([2.5]) }, false);
  g.output(reduceSum(g, matmul(g, x, w), [0, 1]), 'y');
  g.output(small, 's_out');
  const bytes = g.toBytes({ note: 'kept' });

  const decoded = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Uint8Array as never }) as {
    graph: { name: string; initializer: { name: string; dims: number[]; data_type: number; raw_data: Uint8Array }[]; node: unknown[] };
    metadata_props: { key: string; value: string }[];
  };
  assert.equal(decoded.graph.name, 'framing');
  assert.deepEqual(decoded.metadata_props, [{ key: 'note', value: 'kept' }]);
  const byName = new Map(decoded.graph.initializer.map((i) => [i.name, i]));
  const wProto = byName.get('w')!;
  assert.deepEqual(wProto.dims, [4, 1_100_000]);
  assert.equal(wProto.data_type, 1);
  assert.deepEqual(new Float32Array(wProto.raw_data.slice().buffer), big);
  assert.deepEqual([...new Float32Array(byName.get('s')!.raw_data.slice().buffer)], [2.5]);
  assert.ok(decoded.graph.node.length > 0);

  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]) });
  let expected = 0;
  for (let r = 0; r < 4; r++) for (let c = 0; c < 1_100_000; c++) expected += (r + 1) * big[r * 1_100_000 + c]!;
  assert.ok(Math.abs(Number(out['y']!.data[0]) - expected) < 1e-3 * Math.max(1, Math.abs(expected)), `${out['y']!.data[0]} vs ${expected}`);
  assert.equal(out['s_out']!.data[0], 2.5);
  await session.release();
});
