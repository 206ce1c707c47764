/**
 * One optimizer step over a bert-base-sized parameter set (110M elements, in BERT-shaped
 * tensors), on this machine. Prints figures; asserts nothing.
 *   node --import tsx bench/optimizer.ts [elementsInMillions=110]
 */
import os from 'node:os';
import { AdamW, Sgd, type Optimizer } from '../src/engine/train/optimizer.js';
import { clipGlobalNorm } from '../src/engine/train/clip.js';
import { ParameterSet, applyUpdate } from '../src/engine/train/step.js';

const total = Math.round(Number(process.argv[2] ?? 110) * 1e6);
// bert-base: embeddings ~23.8M, 12 layers × ~7.1M; here: one 23.8M tensor, then 7.1M-ish chunks.
const sizes: number[] = [];
let left = total;
sizes.push(Math.min(left, 23_800_000));
left -= sizes[0]!;
while (left > 0) {
  const n = Math.min(left, 2_359_296); // 768×3072
  sizes.push(n);
  left -= n;
}
const params = sizes.map((n) => new Float32Array(n).fill(0.01));
const grads = sizes.map((n) => {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = ((i * 2654435761) % 1000) / 1e5 - 0.005;
  return g;
});

function time(label: string, f: () => void, reps = 5): void {
  f(); // warm-up (allocates optimizer state, optimizes the loops)
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(28)} median ${ms[ms.length >> 1]!.toFixed(0)} ms  min ${ms[0]!.toFixed(0)} ms  (${reps} runs)`);
}

function stepAll(opt: Optimizer): void {
  for (let k = 0; k < params.length; k++) opt.update(`encoder.layer.0.p${k}.weight`, params[k]!, grads[k]!, 1e-5);
}

console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
console.log(`${(total / 1e6).toFixed(1)}M float32 elements in ${sizes.length} tensors`);
const adamw = new AdamW();
const sgdMomentum = new Sgd({ momentum: 0.9 });
const sgd = new Sgd();
time('AdamW step', () => stepAll(adamw));
time('SGD step (momentum 0.9)', () => stepAll(sgdMomentum));
time('SGD step (no momentum)', () => stepAll(sgd));
time('clipGlobalNorm (no clip)', () => { clipGlobalNorm(grads, Infinity); });
const set = new ParameterSet(params.map((p, k) => [`encoder.layer.0.p${k}.weight`, p] as const));
const gradMap = new Map(grads.map((g, k) => [`encoder.layer.0.p${k}.weight`, g]));
const adamw2 = new AdamW();
time('applyUpdate (AdamW, clip 1e9)', () => { applyUpdate(set, gradMap, adamw2, 1e-5, { maxGradNorm: 1e9 }); });
