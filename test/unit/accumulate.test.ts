import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradAccumulator } from '../../src/engine/train/accumulate.js';
import { SentenceLensError } from '../../src/engine/errors.js';

// A toy two-task model with a shared weight vector w and the loss shape we use:
// L = Σ_t mean over rows labelled for t of ½(w·x_r − y_rt)², i.e. a mean per task over
// labelled rows. `denominators` replaces each task's own labelled count (the 'sum' mode's loss).
interface Row { x: number[]; y: (number | undefined)[] }
function grad(w: number[], rows: Row[], denominators?: number[]): Float32Array {
  const g = new Float64Array(w.length);
  for (let t = 0; t < 2; t++) {
    const labelled = rows.filter((r) => r.y[t] !== undefined);
    const d = denominators ? denominators[t]! : labelled.length;
    if (d === 0) continue;
    for (const r of labelled) {
      const err = r.x.reduce((a, xi, i) => a + xi * w[i]!, 0) - r.y[t]!;
      for (let i = 0; i < w.length; i++) g[i] += (err * r.x[i]!) / d;
    }
  }
  return Float32Array.from(g);
}
const w = [0.3, -0.2, 0.5];
const row = (k: number, y0?: number, y1?: number): Row => ({ x: [Math.sin(k), Math.cos(k), 1], y: [y0, y1] });

function accumulate(mode: 'mean' | 'sum', parts: Float32Array[]): Float32Array {
  const acc = new GradAccumulator(mode);
  for (const g of parts) acc.add(new Map([['heads.t.out.weight', g]]));
  return acc.result().get('heads.t.out.weight')!;
}
function close(a: Float32Array, e: Float32Array, what: string): void {
  for (let i = 0; i < e.length; i++) assert.ok(Math.abs(a[i]! - e[i]!) < 1e-6, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
}

test("mode 'mean' equals the big batch when micro-batches have equal labelled counts per task", () => {
  const b1 = [row(1, 1, 0), row(2, 0, undefined), row(3, 1, 1)];
  const b2 = [row(4, 0, 1), row(5, 1, undefined), row(6, 0, 0)];
  close(accumulate('mean', [grad(w, b1), grad(w, b2)]), grad(w, [...b1, ...b2]), 'mean');
});

test("mode 'mean' is not the big batch when counts differ; mode 'sum' with window denominators is", () => {
  const b1 = [row(1, 1, 0), row(2, 0, undefined), row(3, 1, undefined)];
  const b2 = [row(4, 0, 1), row(5, 1, 1)];
  const big = grad(w, [...b1, ...b2]);
  const mean = accumulate('mean', [grad(w, b1), grad(w, b2)]);
  assert.ok(Math.abs(mean[0]! - big[0]!) > 1e-3, 'the documented bias exists');
  const D = [5, 3]; // labelled rows per task over the whole window
  close(accumulate('sum', [grad(w, b1, D), grad(w, b2, D)]), big, 'sum');
});

test('result is averaged once; reset reuses the buffers; mismatches are refused', () => {
  const acc = new GradAccumulator();
  const m = (a: number[]) => new Map([['x', Float32Array.from(a)]]);
  acc.add(m([1, 2]));
  acc.add(m([3, 4]));
  assert.equal(acc.count, 2);
  const r = acc.result().get('x')!;
  assert.deepEqual(r, Float32Array.from([2, 3]));
  assert.deepEqual(acc.result().get('x'), Float32Array.from([2, 3]));
  assert.throws(() => acc.add(m([1, 1])), /reset/);
  acc.reset();
  acc.add(m([5, 5]));
  assert.equal(acc.result().get('x'), r, 'buffer reused');
  assert.deepEqual(r, Float32Array.from([5, 5]));
  acc.reset();
  acc.add(m([1, 2]));
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof SentenceLensError && re.test(e.message));
  bad(() => acc.add(new Map([['y', new Float32Array(2)]])), /micro-batch 2 has different gradients from the first: missing \[x\], extra \[y\]/);
  bad(() => acc.add(m([1, 2, 3])), /"x" has 3 elements, earlier micro-batches had 2/);
  bad(() => new GradAccumulator().result(), /no micro-batch/);
  bad(() => new GradAccumulator('examples' as never), /accepted: mean, sum/);
  // The input arrays are never modified.
  const input = Float32Array.from([1, 1]);
  const a2 = new GradAccumulator();
  a2.add(new Map([['x', input]]));
  a2.add(m([3, 3]));
  a2.result();
  assert.deepEqual(input, Float32Array.from([1, 1]));
});
