/**
 * What kind of adapter WebGPU runs on, where that can be known. ONNX Runtime's WebGPU provider
 * does not tell its Dawn adapter's description to JavaScript (checked on onnxruntime-node 1.30,
 * even at verbose logging), so this asks the operating system instead: on Linux, Dawn's Vulkan
 * adapter can only be a CPU rasterizer (Mesa's lavapipe, SwiftShader) when the kernel exposes no
 * GPU at all (no /dev/dri render node, no /dev/nvidia* device). Elsewhere it is unknown.
 */
import { existsSync, readdirSync } from 'node:fs';

export type AdapterKind = 'software' | 'unknown';

export interface AdapterProbe {
  readonly platform: NodeJS.Platform;
  readonly listDir: (dir: string) => readonly string[];
  readonly exists: (path: string) => boolean;
}

const SYSTEM: AdapterProbe = {
  platform: process.platform,
  listDir: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  exists: existsSync,
};

export function webgpuAdapterKind(probe: AdapterProbe = SYSTEM): AdapterKind {
  if (probe.platform !== 'linux') return 'unknown';
  const renderNodes = probe.listDir('/dev/dri').filter((n) => n.startsWith('renderD') || n.startsWith('card'));
  const nvidia = probe.listDir('/dev').some((n) => /^nvidia\d+$/.test(n));
  return renderNodes.length === 0 && !nvidia ? 'software' : 'unknown';
}

/** "webgpu (software)" where the adapter is known to be a CPU rasterizer; the device name otherwise. */
export function deviceLabel(device: string, adapter: AdapterKind | undefined): string {
  return device === 'webgpu' && adapter === 'software' ? 'webgpu (software)' : device;
}
