import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webgpuAdapterKind } from '../../src/engine/runtime/adapter.js';
import type { Device } from '../../src/engine/runtime/device.js';
import { type MeasureOptions, measuredAutoChoice } from '../../src/engine/runtime/device-measure.js';

/** Options whose "measurement" returns the given figures and counts its calls. */
function fake(ms: Partial<Record<Device, number | Error>>, over: Partial<MeasureOptions> = {}) {
  const calls: Device[] = [];
  const o: MeasureOptions = {
    shape: '[2,128]',
    batchLabel: '8 × 32 tokens',
    ortVersion: '1.30.0',
    accelerators: async () => ({ available: (Object.keys(ms) as Device[]).filter((d) => d !== 'cpu'), unavailable: [] }),
    adapterKind: () => 'software',
    measure: async (d) => {
      calls.push(d);
      const v = ms[d];
      if (v instanceof Error) throw v;
      return v!;
    },
    ...over,
  };
  return { o, calls };
}

test('auto keeps the CPU when the accelerator is slower, and says why with figures', async () => {
  const { o } = fake({ cpu: 5.3, webgpu: 93.7 });
  const c = await measuredAutoChoice(o);
  assert.equal(c.device, 'cpu');
  assert.match(c.reason, /^auto chose cpu: no accelerator was faster than the CPU; per batch of 8 × 32 tokens: cpu 5\.3 ms, webgpu \(software\) 93\.7 ms \(measured now\)$/);
  assert.ok(c.fallbacks.some((f) => /webgpu \(software\): slower than the CPU/.test(f)), c.fallbacks.join('; '));
});

test('auto takes the accelerator when it is faster; a failing one is passed over', async () => {
  const { o } = fake({ cpu: 40, webgpu: 10, cuda: new Error('CUDA failure 35: driver too old') }, { adapterKind: () => 'unknown' });
  const c = await measuredAutoChoice(o);
  assert.equal(c.device, 'webgpu');
  assert.match(c.reason, /webgpu was faster than the CPU \(×4\.0\)/);
  assert.match(c.reason, /cuda failed \(CUDA failure 35: driver too old\)/);
  // A tie goes to the CPU.
  assert.equal((await measuredAutoChoice(fake({ cpu: 10, webgpu: 10 }).o)).device, 'cpu');
});

test('measured once per machine, model shape and ONNX Runtime version (cached on disk)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sl-device-'));
  try {
    const cacheFile = join(dir, 'sub', 'device-choice.json');
    const first = fake({ cpu: 5, webgpu: 90 }, { cacheFile });
    assert.equal((await measuredAutoChoice(first.o)).cached, false);
    assert.deepEqual(first.calls, ['cpu', 'webgpu']);
    const again = fake({ cpu: 5, webgpu: 1 }, { cacheFile });
    const c = await measuredAutoChoice(again.o);
    assert.deepEqual(again.calls, [], 'no measurement the second time');
    assert.equal(c.device, 'cpu');
    assert.equal(c.cached, true);
    assert.match(c.reason, /\(measured \d{4}-\d\d-\d\d, cached\)$/);
    const newOrt = fake({ cpu: 5, webgpu: 1 }, { cacheFile, ortVersion: '1.31.0' });
    assert.equal((await measuredAutoChoice(newOrt.o)).device, 'webgpu');
    assert.deepEqual(newOrt.calls, ['cpu', 'webgpu'], 'a new ONNX Runtime version is measured again');
    const newShape = fake({ cpu: 5, webgpu: 1 }, { cacheFile, shape: '[12,768]' });
    await measuredAutoChoice(newShape.o);
    assert.deepEqual(newShape.calls, ['cpu', 'webgpu'], 'another model shape is measured again');
    assert.equal(Object.keys(JSON.parse(await readFile(cacheFile, 'utf8')).entries).length, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('no accelerator: the CPU without measuring', async () => {
  const { o, calls } = fake({ cpu: 5 });
  const c = await measuredAutoChoice(o);
  assert.equal(c.device, 'cpu');
  assert.deepEqual(calls, []);
  assert.match(c.reason, /no accelerator is available/);
});

test('a WebGPU adapter is known to be software on Linux without a GPU device', () => {
  const probe = (dev: string[], dri: string[]) => ({ platform: 'linux' as const, exists: () => true, listDir: (d: string) => (d === '/dev' ? dev : d === '/dev/dri' ? dri : []) });
  assert.equal(webgpuAdapterKind(probe(['null', 'tty'], [])), 'software');
  assert.equal(webgpuAdapterKind(probe(['null'], ['card0', 'renderD128'])), 'unknown');
  assert.equal(webgpuAdapterKind(probe(['nvidia0', 'nvidiactl'], [])), 'unknown');
  assert.equal(webgpuAdapterKind({ ...probe([], []), platform: 'darwin' }), 'unknown');
});
