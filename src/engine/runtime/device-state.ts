/**
 * Named float32 tensors that live on a GPU provider between session runs (weights, optimizer
 * moments, accumulated gradients), with the discipline onnxruntime-node 1.30 needs
 * (notes/onnxruntime-node-gpu-buffers.md):
 *  - data goes up and comes down only through sessions: an Identity graph with gpu-buffer
 *    outputs uploads, one with CPU outputs downloads; `.data` of a GPU tensor is never read
 *    (that aborts the process);
 *  - every GPU tensor is disposed exactly once (there is no finalizer), and before the session
 *    that produced it is released (the other order is a use-after-free);
 *  - a replaced tensor is disposed only after the run that read it has finished.
 * On the CPU device the same class holds plain CPU tensors, so callers need no second path.
 */
import { Graph, expand } from '../graph/index.js';
import type { Device } from './device.js';
import { createSession, ort, type Session } from './session.js';
import { runCounted, type TransferCounter } from './transfers.js';

export interface StateEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** The host values to upload; absent: zeros made on the device (nothing crosses the bus). */
  readonly data?: Float32Array;
}

export class DeviceState {
  private readonly tensors = new Map<string, ort.Tensor>();
  private readonly sessions: Session[] = [];
  private readonly downloads = new Map<string, Session>();
  private released = false;

  constructor(
    readonly device: Device,
    private readonly counter?: TransferCounter,
  ) {}

  get(name: string): ort.Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`internal: no device tensor "${name}"`);
    return t;
  }

  /** Puts `entries` on the device (replacing any held under the same names). */
  async upload(entries: readonly StateEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const g = new Graph({ name: 'sentence_lens_upload' });
    const feeds: Record<string, ort.Tensor> = {};
    entries.forEach((e, i) => {
      let v;
      if (e.data) {
        v = g.node('Identity', [g.input(`in_${i}`, 'float32', e.shape)], [{ dtype: 'float32', shape: e.shape }])[0]!;
        feeds[`in_${i}`] = new ort.Tensor('float32', e.data, [...e.shape]);
      } else {
        v = expand(g, g.scalar(0), g.int64s([...e.shape]), e.shape);
      }
      g.output(v, `out_${i}`);
    });
    const session = await createSession(g.toBytes(), this.device, { outputLocation: 'gpu-buffer' });
    this.sessions.push(session);
    const out = await runCounted(session, this.device, feeds, this.counter);
    this.replace(entries.map((e, i) => [e.name, out[`out_${i}`]!]));
  }

  /**
   * Takes `pairs` (outputs of a finished run) as the new values of their names and disposes
   * the tensors they replace.
   */
  replace(pairs: Iterable<readonly [string, ort.Tensor]>): void {
    const old: ort.Tensor[] = [];
    for (const [name, t] of pairs) {
      const prev = this.tensors.get(name);
      if (prev && prev !== t) old.push(prev);
      this.tensors.set(name, t);
    }
    for (const t of old) disposeIfDevice(t);
  }

  /** Copies `names` to the host (new arrays). */
  async download(names: readonly string[]): Promise<Map<string, Float32Array>> {
    if (names.length === 0) return new Map();
    const key = names.join('\n');
    let session = this.downloads.get(key);
    if (!session) {
      const g = new Graph({ name: 'sentence_lens_download' });
      names.forEach((n, i) => {
        const t = this.get(n);
        g.output(g.node('Identity', [g.input(`in_${i}`, 'float32', t.dims)], [{ dtype: 'float32', shape: t.dims }])[0]!, `out_${i}`);
      });
      session = await createSession(g.toBytes(), this.device);
      this.downloads.set(key, session);
    }
    const feeds = Object.fromEntries(names.map((n, i) => [`in_${i}`, this.get(n)]));
    const out = await runCounted(session, this.device, feeds, this.counter);
    return new Map(names.map((n, i) => [n, out[`out_${i}`]!.data as Float32Array]));
  }

  /** Disposes every held tensor, then releases the sessions that made them. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const t of this.tensors.values()) disposeIfDevice(t);
    this.tensors.clear();
    for (const s of [...this.sessions, ...this.downloads.values()]) await s.release();
  }
}

/** dispose() a GPU tensor; CPU tensors are left to the garbage collector. */
export function disposeIfDevice(t: ort.Tensor): void {
  if (t.location === 'gpu-buffer') t.dispose();
}
