/**
 * Gradient accumulation over micro-batches.
 *
 * Our loss for one batch is Σ_t w_t · (mean of task t's cross-entropy over the rows labelled
 * for t in that batch), so a micro-batch's gradient g_b is already an average.
 *
 * Decision: the accumulated gradient is the mean over micro-batches, g = (1/N) Σ_b g_b
 * (mode 'mean', the default). This is what PyTorch / Hugging Face Trainer do (each micro-batch
 * loss divided by gradient_accumulation_steps), so learning rates carry over from there, and
 * it does not depend on the batch size. It equals the gradient of one big batch exactly when
 * every micro-batch has the same number of labelled rows per task (the usual case with full
 * micro-batches and fully labelled data); otherwise each micro-batch counts equally.
 *
 * We do not weight by examples: with several tasks labelled on different rows no single weight
 * per micro-batch is exact (each task would need its own), and a per-row weight would let the
 * batch's label mix shift the balance between tasks that the loss weights w_t set.
 *
 * Exact alternative (mode 'sum'): when the loss graph divides each task's summed loss by that
 * task's labelled count over the whole accumulation window (D_t, known when the window's
 * batches are planned) instead of the micro-batch's own count, Σ_b g_b is exactly the big-batch
 * gradient; accumulate with mode 'sum' then, and nothing is divided.
 *
 * Sums are in float32 buffers (as PyTorch's .grad), allocated once and reused across windows.
 */
import { SentenceLensError } from '../errors.js';

export type AccumulationMode = 'mean' | 'sum';

export class GradAccumulator {
  private readonly buffers = new Map<string, Float32Array>();
  private n = 0;
  private done = false;

  constructor(readonly mode: AccumulationMode = 'mean') {
    if (mode !== 'mean' && mode !== 'sum') throw new SentenceLensError('BAD_ARGUMENT', `unknown accumulation mode ${JSON.stringify(mode)}; accepted: mean, sum`);
  }

  /** Micro-batches added since the last reset. */
  get count(): number {
    return this.n;
  }

  /** Adds one micro-batch's gradients. Every micro-batch must carry the same names and sizes. */
  add(grads: ReadonlyMap<string, Float32Array>): void {
    if (this.done) throw new SentenceLensError('BAD_ARGUMENT', 'gradient accumulator: add() after result() needs a reset() first');
    if (this.n === 0) {
      for (const name of [...this.buffers.keys()]) if (!grads.has(name)) this.buffers.delete(name);
      for (const [name, g] of grads) {
        let b = this.buffers.get(name);
        if (!b || b.length !== g.length) {
          b = new Float32Array(g.length);
          this.buffers.set(name, b);
        }
        b.set(g);
      }
    } else {
      if (grads.size !== this.buffers.size) this.mismatch(grads);
      for (const [name, g] of grads) {
        const b = this.buffers.get(name);
        if (!b) this.mismatch(grads);
        if (b.length !== g.length) throw new SentenceLensError('BAD_ARGUMENT', `micro-batch ${this.n + 1}: gradient "${name}" has ${g.length} elements, earlier micro-batches had ${b.length}`);
        addInto(b, g);
      }
    }
    this.n++;
  }

  private mismatch(grads: ReadonlyMap<string, Float32Array>): never {
    const missing = [...this.buffers.keys()].filter((k) => !grads.has(k));
    const extra = [...grads.keys()].filter((k) => !this.buffers.has(k));
    throw new SentenceLensError('BAD_ARGUMENT', `micro-batch ${this.n + 1} has different gradients from the first: missing [${missing.join(', ')}], extra [${extra.join(', ')}]`);
  }

  /**
   * The accumulated gradients (the accumulator's own buffers: valid until the next add after a
   * reset), averaged over micro-batches in mode 'mean'. Call once per window, then reset().
   */
  result(): Map<string, Float32Array> {
    if (this.n === 0) throw new SentenceLensError('BAD_ARGUMENT', 'no micro-batch gradients were accumulated');
    if (this.mode === 'mean' && this.n > 1 && !this.done) {
      const k = 1 / this.n;
      for (const b of this.buffers.values()) scale(b, k);
    }
    this.done = true;
    return new Map(this.buffers);
  }

  /** Starts a new window; the buffers are kept for reuse. */
  reset(): void {
    this.n = 0;
    this.done = false;
  }
}

function addInto(b: Float32Array, g: Float32Array): void {
  const n = b.length;
  for (let i = 0; i < n; i++) b[i] = b[i]! + g[i]!;
}

function scale(b: Float32Array, k: number): void {
  const n = b.length;
  for (let i = 0; i < n; i++) b[i] = b[i]! * k;
}
