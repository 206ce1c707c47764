/**
 * Execution-provider choice. `auto` tries CUDA when its provider libraries are installed,
 * then WebGPU when a hardware adapter answers, then the CPU; every fallback is reported with its
 * reason. (Inference measures the candidates instead: see inference-device.ts.)
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { SentenceLensError } from '../errors.js';
import { Graph, add } from '../graph/index.js';
import { webgpuAdapterKind } from './adapter.js';

import { DEVICE_SETTINGS, type Device, type DeviceSetting, isDeviceSetting } from '../choices.js';

export { DEVICE_SETTINGS, type Device, type DeviceSetting };

export interface DeviceChoice {
  readonly device: Device;
  /** Why each better device was passed over, in the order tried. */
  readonly fallbacks: readonly string[];
}

export function parseDevice(s: string): DeviceSetting {
  if (isDeviceSetting(s)) return s;
  throw new SentenceLensError('BAD_ARGUMENT', `unknown device "${s}"; expected one of ${DEVICE_SETTINGS.join(', ')}`);
}

/** The folder holding onnxruntime-node's native binding, where the CUDA libraries land. */
function ortBinaryDir(): string {
  const req = createRequire(import.meta.url);
  const pkg = dirname(req.resolve('onnxruntime-node/package.json'));
  return join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

export function cudaUnavailableReason(): string | undefined {
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(join(ortBinaryDir(), lib))) {
    return `CUDA provider libraries are not installed (${lib}; install them with: npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12; see README "GPU set-up")`;
  }
  return undefined;
}

let webgpuProbe: Promise<string | undefined> | undefined;

/** Runs a one-node model on WebGPU; the answer is cached for the process. */
export function webgpuUnavailableReason(): Promise<string | undefined> {
  webgpuProbe ??= (async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [4]);
    g.output(add(g, x, x), 'y');
    try {
      const s = await ort.InferenceSession.create(g.toBytes(), { executionProviders: ['webgpu'] });
      const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
      await s.release();
      const y = out['y']!.data as Float32Array;
      return y[3] === 8 ? undefined : 'WebGPU computed a wrong result in the probe';
    } catch (e) {
      return `no WebGPU adapter (${firstLine(e)})`;
    }
  })();
  return webgpuProbe;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!.slice(0, 200);
}

export async function chooseDevice(setting: DeviceSetting): Promise<DeviceChoice> {
  if (setting === 'cpu') return { device: 'cpu', fallbacks: [] };
  if (setting === 'cuda') {
    const why = cudaUnavailableReason();
    if (why) throw new SentenceLensError('DEVICE', `device "cuda" requested but ${why}`);
    return { device: 'cuda', fallbacks: [] };
  }
  if (setting === 'webgpu') {
    const why = await webgpuUnavailableReason();
    if (why) throw new SentenceLensError('DEVICE', `device "webgpu" requested but ${why}`);
    return { device: 'webgpu', fallbacks: [] };
  }
  const fallbacks: string[] = [];
  const cuda = cudaUnavailableReason();
  if (!cuda) return { device: 'cuda', fallbacks };
  fallbacks.push(`cuda: ${cuda}`);
  const webgpu = await webgpuUnavailableReason();
  // A CPU rasterizer is slower than the CPU itself (inference measures it: inference-device.ts).
  if (!webgpu && webgpuAdapterKind() !== 'software') return { device: 'webgpu', fallbacks };
  fallbacks.push(`webgpu: ${webgpu ?? 'the adapter is a software rasterizer (this machine has no GPU device), slower than the CPU'}`);
  return { device: 'cpu', fallbacks };
}
