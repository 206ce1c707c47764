/**
 * Dropout masks are computed on the WebGPU device, not on ONNX Runtime's CPU provider, and
 * equal the CPU provider's masks bit for bit.
 *
 * `session.disable_cpu_ep_fallback` makes session creation fail when any node would run on the
 * CPU provider, so creating the session at all proves the placement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, dropout, dropoutSeed } from '../../src/engine/graph/index.js';
import { ort } from '../../src/engine/runtime/session.js';
import { skipUnlessCi } from '../support/webgpu.js';

/** x·mask at two sites, with symbolic sizes as in training (batch, sequence, heads). */
function dropoutGraph(rank: number): Uint8Array {
  const g = new Graph();
  const x = g.input('x', 'float32', Array.from({ length: rank }, (_, i) => `d${i}`));
  const seed = g.input('dropout_seed', 'int32', []);
  g.output(dropout(g, x, 0.1, seed, 0), 'site0');
  g.output(dropout(g, x, 0.5, seed, 7), 'site7');
  return g.toBytes();
}

test('dropout: the mask graph runs wholly on WebGPU and its masks equal the CPU provider\'s bit for bit', async (t) => {
  for (const shape of [[4, 64, 128], [2, 3, 16, 16]]) {
    const bytes = dropoutGraph(shape.length);
    let gpu: ort.InferenceSession;
    try {
      gpu = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], extra: { session: { disable_cpu_ep_fallback: '1' } } });
    } catch (e) {
      const message = (e as Error).message;
      // A graph with a node WebGPU cannot run fails here with this message: that is the bug, not a missing adapter.
      assert.doesNotMatch(message, /assigned to the default CPU EP/, `rank ${shape.length}: ${message}`);
      skipUnlessCi(t, `no WebGPU session could be created (${message.slice(0, 200)})`);
      return;
    }
    const cpu = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    const n = shape.reduce((a, b) => a * b, 1);
    const x = new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => 1 + (i % 7)), shape);
    for (const step of [0, 1, 1000]) {
      const feeds = { x, dropout_seed: new ort.Tensor('int32', Int32Array.from([dropoutSeed(42, step)]), []) };
      const [a, b] = [await cpu.run(feeds), await gpu.run(feeds)];
      for (const site of ['site0', 'site7']) {
        const [p, q] = [a[site]!.data as Float32Array, b[site]!.data as Float32Array];
        const differing = p.reduce((k, v, i) => k + (v !== q[i] ? 1 : 0), 0);
        assert.equal(differing, 0, `shape ${shape}, step ${step}, ${site}: ${differing} of ${n} elements differ`);
        const dropped = p.filter((v) => v === 0).length / n;
        assert.ok(Math.abs(dropped - (site === 'site0' ? 0.1 : 0.5)) < 0.05, `${site} dropped ${dropped}`);
      }
    }
    await cpu.release();
    await gpu.release();
  }
});
