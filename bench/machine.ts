/** One line describing the machine, printed with every benchmark's figures. */
import { cpus, freemem, totalmem, platform, release } from 'node:os';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

export function describeMachine(): string {
  const cpu = cpus();
  let flags = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const f = /flags\s*:\s*(.*)/.exec(info)?.[1]?.split(' ') ?? [];
    flags = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'amx_tile'].filter((x) => f.includes(x)).join(',');
  } catch {
    // not Linux
  }
  return `${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} logical cores (${flags || 'flags n/a'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} free), ${platform()} ${release()}, Node ${process.version}, onnxruntime-node ${ort.env.versions.node}`;
}

export async function timeIt(fn: () => Promise<unknown>, minRuns: number, minMs: number): Promise<{ meanMs: number; runs: number }> {
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  // Median: robust to a stray scheduling hiccup on a shared machine.
  times.sort((a, b) => a - b);
  return { meanMs: times[Math.floor(times.length / 2)]!, runs: times.length };
}
