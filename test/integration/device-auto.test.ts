/**
 * `auto` on this machine's real ONNX Runtime: measured, never slower than the CPU. Where WebGPU
 * answers on a software rasterizer (Mesa's lavapipe here), auto keeps the CPU, says so with the
 * figures, and an explicit webgpu model reports its adapter as software.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { webgpuAdapterKind } from '../../src/engine/runtime/adapter.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import { deviceCacheFile } from '../../src/engine/runtime/inference-device.js';

const OFFLINE = resolve('models/offline');
let cache: string;
const saved = process.env.SENTENCE_LENS_CACHE;

before(async () => {
  cache = await mkdtemp(join(tmpdir(), 'sl-auto-'));
  process.env.SENTENCE_LENS_CACHE = cache;
});

after(async () => {
  if (saved === undefined) delete process.env.SENTENCE_LENS_CACHE;
  else process.env.SENTENCE_LENS_CACHE = saved;
  await rm(cache, { recursive: true, force: true });
});

test('auto measures once, picks the faster device and says why; the second load reuses the figures', async () => {
  const logs: string[] = [];
  const m = await SentenceModel.load(OFFLINE, { device: 'auto', log: (l) => logs.push(l) });
  try {
    const reason = m.deviceChoice.reason ?? '';
    assert.match(reason, /^auto chose (cpu|webgpu|cuda): .*per batch of 8 × 32 tokens: cpu \d+\.\d ms/);
    assert.ok(logs.includes(reason), 'the reason is logged');
    const webgpuHere = (await webgpuUnavailableReason()) === undefined;
    if (webgpuHere && webgpuAdapterKind() === 'software') {
      assert.equal(m.device, 'cpu', reason);
      assert.match(reason, /webgpu \(software\) \d+\.\d ms/);
    }
    const cached = JSON.parse(await readFile(deviceCacheFile(), 'utf8')) as { entries: Record<string, { device: string }> };
    assert.deepEqual(Object.values(cached.entries).map((e) => e.device), [m.device]);
  } finally {
    await m.release();
  }
  const again = await SentenceModel.load(OFFLINE, { device: 'auto' });
  try {
    assert.equal(again.device, m.device);
    assert.match(again.deviceChoice.reason ?? '', /, cached\)$/);
  } finally {
    await again.release();
  }
});

test('an explicit webgpu model on a software adapter says so', async (t) => {
  const why = await webgpuUnavailableReason();
  if (why) return t.skip(`no WebGPU here: ${why}`);
  if (webgpuAdapterKind() !== 'software') return t.skip('this machine has a GPU device: the adapter kind is not known');
  const m = await SentenceModel.load(OFFLINE, { device: 'webgpu' });
  try {
    assert.equal(m.device, 'webgpu');
    assert.equal(m.deviceChoice.adapter, 'software');
  } finally {
    await m.release();
  }
});
