/**
 * `auto` for inference: measure the CPU and each available accelerator once on a small batch of
 * this model and pick the faster, so a slow adapter (a software rasterizer, a weak integrated GPU)
 * is never chosen over the CPU. The answer is cached per machine, model shape and ONNX Runtime
 * version in the Sentence Lens cache folder, and says what was measured and why it was chosen.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname } from 'node:path';
import { type AdapterKind, deviceLabel, webgpuAdapterKind } from './adapter.js';
import { type Device, cudaUnavailableReason, webgpuUnavailableReason } from './device.js';

export interface Measurement {
  readonly device: Device;
  readonly adapter?: AdapterKind;
  /** Median wall time of one batch, once warm (ms). */
  readonly msPerBatch?: number;
  /** Why the device could not be measured. */
  readonly error?: string;
}

export interface MeasuredChoice {
  readonly device: Device;
  /** Why each better device was passed over (as in DeviceChoice). */
  readonly fallbacks: readonly string[];
  readonly measurements: readonly Measurement[];
  /** One sentence: which device and why, with the figures. */
  readonly reason: string;
  /** The figures came from the cache (measured on an earlier load). */
  readonly cached: boolean;
  readonly measuredAt: string;
}

export interface MeasureOptions {
  /** Identifies the model's cost: layers, width, heads… (not its weights). */
  readonly shape: string;
  /** What one measured batch is, for the reason text (e.g. "8 × 32 tokens"). */
  readonly batchLabel: string;
  /** Median ms per warm batch on `device`; throws when the device cannot run the model. */
  readonly measure: (device: Device) => Promise<number>;
  readonly ortVersion: string;
  /** JSON file of earlier answers; none: measure every time. */
  readonly cacheFile?: string;
  readonly log?: (message: string) => void;
  /** For tests: the accelerators to consider and why the others are not available. */
  readonly accelerators?: () => Promise<{ available: Device[]; unavailable: string[] }>;
  readonly adapterKind?: () => AdapterKind;
}

async function availableAccelerators(): Promise<{ available: Device[]; unavailable: string[] }> {
  const available: Device[] = [];
  const unavailable: string[] = [];
  const cuda = cudaUnavailableReason();
  if (cuda) unavailable.push(`cuda: ${cuda}`);
  else available.push('cuda');
  const webgpu = await webgpuUnavailableReason();
  if (webgpu) unavailable.push(`webgpu: ${webgpu}`);
  else available.push('webgpu');
  return { available, unavailable };
}

function machineKey(): string {
  const c = cpus();
  return `${process.platform}-${process.arch}|${hostname()}|${c[0]?.model ?? '?'}×${c.length}`;
}

interface CacheFile {
  readonly entries: Record<string, { device: Device; measurements: Measurement[]; measuredAt: string }>;
}

function readCache(file: string | undefined): CacheFile {
  if (!file) return { entries: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    return parsed && typeof parsed.entries === 'object' ? parsed : { entries: {} };
  } catch {
    return { entries: {} };
  }
}

/** Atomic: another window's server may read it at the same moment. */
function writeCache(file: string, cache: CacheFile): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(cache, null, 2)}\n`);
  renameSync(temp, file);
}

function describe(m: Measurement): string {
  const name = deviceLabel(m.device, m.adapter);
  return m.msPerBatch !== undefined ? `${name} ${m.msPerBatch.toFixed(1)} ms` : `${name} failed (${m.error})`;
}

export function reasonFor(device: Device, measurements: readonly Measurement[], batchLabel: string, cached: boolean, measuredAt: string): string {
  const figures = measurements.map(describe).join(', ');
  const cpuMs = measurements.find((m) => m.device === 'cpu')?.msPerBatch;
  const chosen = measurements.find((m) => m.device === device);
  const speedUp = cpuMs !== undefined && chosen?.msPerBatch ? ` (×${(cpuMs / chosen.msPerBatch).toFixed(1)})` : '';
  const why = device === 'cpu' ? 'no accelerator was faster than the CPU' : `${deviceLabel(device, chosen?.adapter)} was faster than the CPU${speedUp}`;
  const when = cached ? `measured ${measuredAt.slice(0, 10)}, cached` : 'measured now';
  return `auto chose ${device}: ${why}; per batch of ${batchLabel}: ${figures} (${when})`;
}

/** Picks the fastest of the CPU and the available accelerators, measuring once per machine, model shape and ONNX Runtime version. */
export async function measuredAutoChoice(o: MeasureOptions): Promise<MeasuredChoice> {
  const { available, unavailable } = await (o.accelerators ?? availableAccelerators)();
  const fallbacks = [...unavailable];
  if (available.length === 0) {
    return { device: 'cpu', fallbacks, measurements: [], reason: 'auto chose cpu: no accelerator is available', cached: false, measuredAt: new Date().toISOString() };
  }
  const adapter = (o.adapterKind ?? webgpuAdapterKind)();
  const key = JSON.stringify({ machine: machineKey(), shape: o.shape, ort: o.ortVersion, candidates: ['cpu', ...available], adapter });
  const cache = readCache(o.cacheFile);
  const hit = cache.entries[key];
  if (hit) {
    const reason = reasonFor(hit.device, hit.measurements, o.batchLabel, true, hit.measuredAt);
    return { device: hit.device, fallbacks: [...fallbacks, ...slower(hit.device, hit.measurements)], measurements: hit.measurements, reason, cached: true, measuredAt: hit.measuredAt };
  }
  const measurements: Measurement[] = [];
  for (const device of ['cpu', ...available] as Device[]) {
    const tag = device === 'webgpu' ? { adapter } : {};
    try {
      measurements.push({ device, ...tag, msPerBatch: await o.measure(device) });
    } catch (e) {
      measurements.push({ device, ...tag, error: String(e instanceof Error ? e.message : e).split('\n')[0]!.slice(0, 200) });
    }
  }
  const timed = measurements.filter((m) => m.msPerBatch !== undefined);
  // The CPU wins ties: an accelerator must be strictly faster to be worth its transfers.
  const best = timed.reduce<Measurement | undefined>((b, m) => (!b || m.msPerBatch! < b.msPerBatch! ? m : b), undefined);
  const device = best?.device ?? 'cpu';
  const measuredAt = new Date().toISOString();
  if (o.cacheFile) {
    try {
      writeCache(o.cacheFile, { entries: { ...cache.entries, [key]: { device, measurements, measuredAt } } });
    } catch (e) {
      o.log?.(`device measurements not cached (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return { device, fallbacks: [...fallbacks, ...slower(device, measurements)], measurements, reason: reasonFor(device, measurements, o.batchLabel, false, measuredAt), cached: false, measuredAt };
}

function slower(chosen: Device, measurements: readonly Measurement[]): string[] {
  return measurements.filter((m) => m.device !== chosen && m.device !== 'cpu').map((m) => `${deviceLabel(m.device, m.adapter)}: ${m.msPerBatch !== undefined ? 'slower than the CPU when measured' : `failed when measured (${m.error})`}`);
}
