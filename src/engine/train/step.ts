/**
 * One training step's host side: accumulate the micro-batches' gradients → clip by global norm
 * → learning rate per parameter group → optimizer update, in place on the trainable tensors.
 * Frozen tensors are never written: not by the optimizer, not by weight decay.
 */
import { SentenceLensError } from '../errors.js';
import { GradAccumulator, type AccumulationMode } from './accumulate.js';
import { clipGlobalNorm, firstNonFinite } from './clip.js';
import type { Optimizer } from './optimizer.js';

function bad(msg: string): never {
  throw new SentenceLensError('BAD_ARGUMENT', msg);
}

/** The model's tensors by name, each marked trainable or frozen once, at construction. */
export class ParameterSet {
  private readonly tensors: Map<string, Float32Array>;
  private readonly trainableSet: ReadonlySet<string>;

  /** `isTrainable` defaults to everything; pass `isTrainableFor(policy, ctx)` for a freeze policy. */
  constructor(
    tensors: ReadonlyMap<string, Float32Array> | Iterable<readonly [string, Float32Array]>,
    isTrainable: (name: string) => boolean = () => true,
  ) {
    this.tensors = new Map(tensors);
    this.trainableSet = new Set([...this.tensors.keys()].filter((n) => isTrainable(n)));
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  get(name: string): Float32Array {
    const t = this.tensors.get(name);
    if (!t) bad(`no parameter named "${name}"`);
    return t;
  }

  isTrainable(name: string): boolean {
    return this.trainableSet.has(name);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  trainableNames(): string[] {
    return [...this.tensors.keys()].filter((n) => this.trainableSet.has(n));
  }

  /** [name, data] of every trainable tensor, in insertion order. */
  *trainable(): IterableIterator<[string, Float32Array]> {
    for (const e of this.tensors) if (this.trainableSet.has(e[0])) yield e;
  }

  entries(): IterableIterator<[string, Float32Array]> {
    return this.tensors.entries();
  }

  /** Element counts: all tensors, and the trainable ones. */
  count(): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const [n, t] of this.tensors) {
      total += t.length;
      if (this.trainableSet.has(n)) trainable += t.length;
    }
    return { total, trainable };
  }
}

export interface UpdateOptions {
  /** Clip the global gradient norm (over trainable tensors) to this; absent: no clipping. */
  readonly maxGradNorm?: number;
  /** LR multiplier per parameter (e.g. layer-wise decay); absent: 1 for all. */
  readonly lrMultiplier?: (name: string) => number;
  /** How micro-batches combine; see accumulate.ts. Default 'mean'. */
  readonly accumulation?: AccumulationMode;
  /** Reused buffers across steps (its mode wins over `accumulation`). */
  readonly accumulator?: GradAccumulator;
}

export interface UpdateReport {
  /** Global L2 norm of the accumulated trainable gradients, before clipping. */
  readonly gradNorm: number;
  /** Factor the gradients were multiplied by (1 when not clipped). */
  readonly clipScale: number;
  readonly microBatches: number;
  /** Tensors and elements updated. */
  readonly tensors: number;
  readonly elements: number;
}

/**
 * Applies one optimizer step to `params`' trainable tensors.
 *
 * `grads` is one gradient map or one per micro-batch. Each map must hold a gradient for every
 * trainable tensor, of the same length; gradients of frozen tensors are ignored (they neither
 * count towards the norm nor change anything); unknown names are refused. Nothing is written
 * before every check has passed, including that all gradients are finite.
 *
 * With a single map and no accumulator, clipping scales that map's arrays in place (as torch
 * does with .grad).
 */
export function applyUpdate(
  params: ParameterSet,
  grads: ReadonlyMap<string, Float32Array> | readonly ReadonlyMap<string, Float32Array>[],
  optimizer: Optimizer,
  lr: number,
  options: UpdateOptions = {},
): UpdateReport {
  if (!Number.isFinite(lr) || lr < 0) bad(`learning rate must be finite and ≥ 0, got ${lr}`);
  const micro = Array.isArray(grads) ? (grads as readonly ReadonlyMap<string, Float32Array>[]) : [grads as ReadonlyMap<string, Float32Array>];
  if (micro.length === 0) bad('applyUpdate needs at least one micro-batch of gradients');

  // Keep only the trainable gradients, checking names and sizes.
  const picked = micro.map((m, b) => {
    const out = new Map<string, Float32Array>();
    for (const [name, g] of m) {
      if (!params.has(name)) bad(`gradient "${name}"${micro.length > 1 ? ` (micro-batch ${b + 1})` : ''} names no parameter`);
      if (!params.isTrainable(name)) continue;
      const p = params.get(name);
      if (g.length !== p.length) bad(`gradient "${name}" has ${g.length} elements, the parameter has ${p.length}`);
      out.set(name, g);
    }
    for (const name of params.trainableNames()) {
      if (!out.has(name)) bad(`no gradient for trainable parameter "${name}"${micro.length > 1 ? ` in micro-batch ${b + 1}` : ''}`);
    }
    return out;
  });

  let g: Map<string, Float32Array>;
  if (picked.length === 1 && !options.accumulator) {
    g = picked[0]!;
  } else {
    const acc = options.accumulator ?? new GradAccumulator(options.accumulation ?? 'mean');
    acc.reset();
    for (const m of picked) acc.add(m);
    g = acc.result();
  }

  // One pass: the norm (clipping only when finite); a non-finite norm means a NaN or ±∞ element.
  const { norm: gradNorm, scale: clipScale, finite } = clipGlobalNorm(g, options.maxGradNorm ?? Infinity);
  if (!finite) {
    throw new SentenceLensError('BAD_ARGUMENT', `gradient is not finite (${firstNonFinite(g) ?? `norm ${gradNorm}`}); the step was not applied and no parameter changed`);
  }

  const mult = options.lrMultiplier;
  const lrs = new Map<string, number>();
  for (const name of g.keys()) {
    const k = mult ? mult(name) : 1;
    if (!Number.isFinite(k) || k < 0) bad(`LR multiplier for "${name}" must be finite and ≥ 0, got ${k}`);
    lrs.set(name, lr * k);
  }

  let elements = 0;
  for (const [name, grad] of g) {
    const p = params.get(name);
    optimizer.update(name, p, grad, lrs.get(name)!);
    elements += p.length;
  }
  return { gradNorm, clipScale, microBatches: micro.length, tensors: g.size, elements };
}
