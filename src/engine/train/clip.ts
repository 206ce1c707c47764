/**
 * Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ (norm_type 2):
 *   norm  = √(Σ over every gradient element of g²)      accumulated in float64
 *   scale = min(1, maxNorm / (norm + 1e-6))             grads ← grads · scale, in place
 * So a norm at or under maxNorm − 1e-6 leaves the grads untouched (scale 1), exactly as torch.
 * A non-finite norm (NaN or ±∞ somewhere) leaves the grads untouched and returns scale 1 with
 * `finite: false`; the caller decides (applyUpdate refuses the step and names the tensor).
 */
import { SentenceLensError } from '../errors.js';

export interface ClipResult {
  /** The global L2 norm before clipping. */
  readonly norm: number;
  /** The factor the grads were multiplied by (1 when not clipped). */
  readonly scale: number;
  readonly finite: boolean;
}

type Grads = ReadonlyMap<string, Float32Array> | readonly Float32Array[];

function list(grads: Grads): Float32Array[] {
  return Array.isArray(grads) ? [...(grads as readonly Float32Array[])] : [...(grads as ReadonlyMap<string, Float32Array>).values()];
}

function sumSquares(g: Float32Array): number {
  let s = 0;
  const n = g.length;
  for (let i = 0; i < n; i++) {
    const x = g[i]!;
    s += x * x;
  }
  return s;
}

function scaleInPlace(g: Float32Array, k: number): void {
  const n = g.length;
  for (let i = 0; i < n; i++) g[i] = g[i]! * k;
}

export function globalNorm(grads: Grads): number {
  let s = 0;
  for (const g of list(grads)) s += sumSquares(g);
  return Math.sqrt(s);
}

export function clipGlobalNorm(grads: Grads, maxNorm: number): ClipResult {
  if (!(maxNorm > 0)) throw new SentenceLensError('BAD_ARGUMENT', `max gradient norm must be > 0 (or Infinity for no clipping), got ${maxNorm}`);
  const arrays = list(grads);
  const norm = globalNorm(arrays);
  if (!Number.isFinite(norm)) return { norm, scale: 1, finite: false };
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  if (scale < 1) for (const g of arrays) scaleInPlace(g, scale);
  return { norm, scale, finite: true };
}

/** The name of the first tensor with a NaN or infinite element, for error messages. */
export function firstNonFinite(grads: ReadonlyMap<string, Float32Array>): string | undefined {
  for (const [name, g] of grads) {
    for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i]!)) return `${name}[${i}] = ${g[i]}`;
  }
  return undefined;
}
