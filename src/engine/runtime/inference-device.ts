/**
 * The device an inference model runs on: the setting's device as asked, or for `auto` the faster
 * of the CPU and each available accelerator, measured on this model's graph (device-measure.ts).
 */
import { join } from 'node:path';
import { defaultCacheDir } from '../cache-dir.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import { type AdapterKind, webgpuAdapterKind } from './adapter.js';
import { type Device, type DeviceSetting, chooseDevice } from './device.js';
import { type Measurement, measuredAutoChoice } from './device-measure.js';
import { createSession, encoderFeeds, ort } from './session.js';

export interface InferenceDevice {
  readonly device: Device;
  readonly fallbacks: readonly string[];
  /** For webgpu: the adapter's kind where known. */
  readonly adapter?: AdapterKind;
  /** For auto: which device, why, with the figures. */
  readonly reason?: string;
  readonly measurements?: readonly Measurement[];
}

/** The measured batch: small enough to take a moment on a CPU, big enough to show a GPU's worth. */
const BATCH = 8;
const SEQ = 32;
const TIMED_RUNS = 3;

export function deviceCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultCacheDir(env), 'device-choice.json');
}

/** Median ms of a warm batch of the graph on `device` (one untimed run first: shaders, arenas). */
export async function timeBatch(graph: Uint8Array, config: EncoderConfig, device: Device): Promise<number> {
  const session = await createSession(graph, device);
  try {
    const n = BATCH * SEQ;
    const ids = new BigInt64Array(n);
    // Ordinary ids past the special tokens, the same on every run.
    for (let i = 0; i < n; i++) ids[i] = BigInt(Math.min(config.vocabSize - 1, 100 + ((i * 7919) % 1000)));
    const feeds = encoderFeeds({ inputIds: ids, attentionMask: new BigInt64Array(n).fill(1n), tokenTypeIds: new BigInt64Array(n) }, BATCH, SEQ, config);
    await session.run(feeds);
    const times: number[] = [];
    for (let r = 0; r < TIMED_RUNS; r++) {
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  } finally {
    await session.release();
  }
}

export async function inferenceDevice(setting: DeviceSetting, graph: Uint8Array, config: EncoderConfig, log?: (m: string) => void): Promise<InferenceDevice> {
  if (setting !== 'auto') {
    const c = await chooseDevice(setting);
    return { ...c, ...(c.device === 'webgpu' ? { adapter: webgpuAdapterKind() } : {}) };
  }
  const choice = await measuredAutoChoice({
    shape: JSON.stringify([config.numLayers, config.hiddenSize, config.numHeads, config.intermediateSize, config.vocabSize]),
    batchLabel: `${BATCH} × ${SEQ} tokens`,
    measure: (device) => timeBatch(graph, config, device),
    ortVersion: ort.env.versions.common,
    cacheFile: deviceCacheFile(),
    log,
  });
  log?.(choice.reason);
  const adapter = choice.measurements.find((m) => m.device === choice.device)?.adapter;
  return { device: choice.device, fallbacks: choice.fallbacks, reason: choice.reason, measurements: choice.measurements, ...(adapter ? { adapter } : {}) };
}
