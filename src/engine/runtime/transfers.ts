/**
 * Host ↔ device traffic, counted where it happens: at the boundary of a session on a GPU
 * provider. A CPU tensor fed to such a session is copied up; an output the session returns on
 * the CPU was copied down; gpu-buffer tensors cross nothing. Copies ONNX Runtime makes inside
 * one run (nodes it places on its CPU provider) are not visible from here.
 *
 * Sizes come from a tensor's type and dims, never from `.data`: reading the data of a
 * gpu-buffer tensor aborts the process in onnxruntime-node 1.30
 * (notes/onnxruntime-node-gpu-buffers.md).
 */
import type { Device } from './device.js';
import { ort, type Session } from './session.js';

const BYTES: Record<string, number> = {
  float32: 4, float16: 2, float64: 8, int64: 8, uint64: 8, int32: 4, uint32: 4, int16: 2, uint16: 2, int8: 1, uint8: 1, bool: 1,
};

export function tensorBytes(t: ort.Tensor): number {
  const per = BYTES[t.type];
  if (per === undefined) throw new Error(`internal: no byte size for tensor type ${t.type}`);
  return per * t.dims.reduce((a, b) => a * b, 1);
}

export const onHost = (t: ort.Tensor): boolean => t.location === 'cpu' || t.location === 'cpu-pinned';

export interface Transfers {
  /** Bytes copied host → device. */
  readonly up: number;
  /** Bytes copied device → host. */
  readonly down: number;
}

export class TransferCounter implements Transfers {
  up = 0;
  down = 0;

  /** Counts one run of a session on `device` (nothing crosses a bus on the CPU). */
  count(device: Device, feeds: Readonly<Record<string, ort.Tensor>>, outputs: Readonly<Record<string, ort.Tensor>>): void {
    if (device === 'cpu') return;
    for (const t of Object.values(feeds)) if (onHost(t)) this.up += tensorBytes(t);
    for (const t of Object.values(outputs)) if (onHost(t)) this.down += tensorBytes(t);
  }

  snapshot(): Transfers {
    return { up: this.up, down: this.down };
  }

  /** Traffic since `before`. */
  since(before: Transfers): Transfers {
    return { up: this.up - before.up, down: this.down - before.down };
  }
}

/** `session.run` that records its traffic in `counter`. */
export async function runCounted(
  session: Session,
  device: Device,
  feeds: Record<string, ort.Tensor>,
  counter: TransferCounter | undefined,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  const out = await session.run(feeds);
  counter?.count(device, feeds, out);
  return out;
}
