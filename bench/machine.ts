/** One line describing the machine, printed with every benchmark's figures. */
import { cpus, freemem, totalmem, platform, release } from 'node:os';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { Graph, matmul, reduceSum } from '../src/engine/graph/index.js';
import { createSession } from '../src/engine/runtime/session.js';

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

/**
 * The machine's dense float32 GEMM rate through ONNX Runtime, in GFLOP/s: one MatMul
 * 2048×2048×2048 reduced to a scalar in-graph (so the 16 MB output copy stays out of the
 * timing), on a session made by createSession — the same options as the engine's sessions.
 * The median over at least 5 runs and `budgetMs`, after 3 warm-up runs.
 */
export async function gemmPeak(budgetMs = 3000): Promise<number> {
  return gemmRate(2048, 2048, 2048, budgetMs);
}

/** The same measurement for an [m, k] × [k, n] MatMul (e.g. a model's projection shapes). */
export async function gemmRate(m: number, k: number, n: number, budgetMs = 3000): Promise<number> {
  const g = new Graph();
  const a = g.input('a', 'float32', [m, k]);
  const b = g.parameter('b', { shape: [k, n], data: new Float32Array(k * n).fill(1 / k) }, false);
  g.output(reduceSum(g, matmul(g, a, b), [0, 1]), 'y');
  const session = await createSession(g.toBytes(), 'cpu');
  const feeds = { a: new ort.Tensor('float32', new Float32Array(m * k).fill(0.5), [m, k]) };
  // Warm-up: the first runs pay for the thread pool and page faults.
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const { meanMs } = await timeIt(() => session.run(feeds), 5, budgetMs);
  await session.release();
  return (2 * m * k * n) / (meanMs / 1000) / 1e9;
}
