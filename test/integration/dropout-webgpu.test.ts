/**
 * Dropout masks are computed on the WebGPU device, not on ONNX Runtime's CPU provider, and
 * equal the CPU provider's masks bit for bit.
 *
 * `session.disable_cpu_ep_fallback` makes session creation fail when any node would run on the
 * CPU provider, so creating the session at all proves the placement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, dropout, dropoutSeed } from '../../src/engine/graph/index.js';
import { ort } from '../../src/engine/runtime/session.js';
import { skipUnlessCi } from '../support/webgpu.js';
import { cpuPlacedOps } from '../support/webgpu-placement.js';

const PLACEMENT_SCRIPT = fileURLToPath(new URL('../support/webgpu-placement.ts', import.meta.url));

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

test('training graph on WebGPU: turning dropout on puts no node on the CPU provider', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sl-placement-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // ORT's native logger writes to fd 2; into a pipe (non-blocking under Node) it loses lines once
  // the pipe fills, so the child's stderr goes to a file.
  const placed = async (...args: string[]) => {
    const logFile = join(dir, `${args.join('-') || 'plain'}.log`);
    const fd = openSync(logFile, 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', PLACEMENT_SCRIPT, ...args], { stdio: ['ignore', 'pipe', fd] });
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    closeSync(fd);
    const log = await readFile(logFile, 'utf8');
    return { created: code === 0 && stdout.includes('session created'), cpuOps: cpuPlacedOps(log), log };
  };
  const off = await placed();
  if (!off.created) {
    skipUnlessCi(t, `no WebGPU session could be created (${off.log.slice(-300)})`);
    return;
  }
  assert.match(off.log, /Node\(s\) placed on \[WebGpuExecutionProvider\]/, 'the verbose log lists placements');
  const on = await placed('dropout');
  assert.ok(on.created, on.log.slice(-500));
  // The same few shape ops and LogSoftmax as without dropout; every mask node is on the device.
  assert.deepEqual(on.cpuOps, off.cpuOps);
});
