/**
 * Optimizers over named Float32Array tensors, updated in place, with PyTorch semantics.
 *
 * AdamW (torch.optim.AdamW, single-tensor path), per element, step t counted per tensor:
 *   p ← p·(1 − lr·wd)                          decoupled weight decay (skipped for no-decay names)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)     (ε outside the square root)
 *
 * SGD (torch.optim.SGD):
 *   d ← g + wd·p                                (skipped for no-decay names)
 *   if momentum ≠ 0: b ← d on the first step, else b ← μ·b + (1 − dampening)·d
 *                    d ← nesterov ? d + μ·b : b
 *   p ← p − lr·d
 *
 * No weight decay on biases and LayerNorm weights (`*.bias`, `*LayerNorm.weight`) by default,
 * for both optimizers; `noDecay` overrides the rule.
 *
 * Arithmetic is in float64 per element with float32 storage; no allocation inside the loops.
 */
import { SentenceLensError } from '../errors.js';
import { isNoDecayParameter, parameterGroup as parameterGroupOf } from './param-names.js';

export interface OptimizerState {
  /** Moment buffers by `<kind>/<parameter name>`, e.g. `exp_avg/encoder.layer.0.output.dense.weight`. */
  readonly tensors: Map<string, Float32Array>;
  /** Optimizer kind, hyperparameters and per-tensor step counts; JSON-serializable. */
  readonly json: OptimizerStateJson;
}

export interface OptimizerStateJson {
  readonly optimizer: 'adamw' | 'sgd';
  readonly version: 1;
  readonly options: Record<string, number | boolean>;
  /** Updates applied to each tensor so far. */
  readonly steps: Record<string, number>;
}

export interface Optimizer {
  readonly kind: 'adamw' | 'sgd';
  /** Applies one update to one tensor in place; `lr` already includes any group multiplier. */
  update(name: string, param: Float32Array, grad: Float32Array, lr: number): void;
  /** How many updates `name` has had. */
  stepsOf(name: string): number;
  /**
   * Moments and step counts for a checkpoint. The tensors are the live buffers unless
   * `copy` is set: serialize them before the next update.
   */
  state(options?: { copy?: boolean }): OptimizerState;
}

export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Decoupled weight decay (torch default 0.01). */
  readonly weightDecay?: number;
  /** Names that get no weight decay; default: biases and LayerNorm weights. */
  readonly noDecay?: (name: string) => boolean;
}

export interface SgdOptions {
  readonly momentum?: number;
  readonly dampening?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
  readonly noDecay?: (name: string) => boolean;
}

function bad(msg: string): never {
  throw new SentenceLensError('BAD_ARGUMENT', msg);
}

function checkRange(what: string, v: number, lo: number, hi: number, hiOpen = false): number {
  if (!Number.isFinite(v) || v < lo || (hiOpen ? v >= hi : v > hi)) {
    bad(`${what} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
  return v;
}

function checkUpdateArgs(name: string, param: Float32Array, grad: Float32Array, lr: number): void {
  if (grad.length !== param.length) bad(`gradient for "${name}" has ${grad.length} elements, the parameter has ${param.length}`);
  if (!Number.isFinite(lr) || lr < 0) bad(`learning rate for "${name}" must be finite and ≥ 0, got ${lr}`);
}

function stateBuffer(tensors: Map<string, Float32Array>, key: string, name: string, n: number): Float32Array {
  let b = tensors.get(key);
  if (!b) {
    b = new Float32Array(n);
    tensors.set(key, b);
  } else if (b.length !== n) {
    bad(`optimizer state "${key}" has ${b.length} elements, parameter "${name}" has ${n}`);
  }
  return b;
}

function exportState(
  optimizer: 'adamw' | 'sgd',
  options: Record<string, number | boolean>,
  steps: Map<string, number>,
  tensors: Map<string, Float32Array>,
  copy: boolean,
): OptimizerState {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of tensors) out.set(k, copy ? v.slice() : v);
  return { tensors: out, json: { optimizer, version: 1, options: { ...options }, steps: Object.fromEntries(steps) } };
}

function checkRestore(state: OptimizerState, kind: 'adamw' | 'sgd', buffers: readonly string[]): Map<string, number> {
  const j = state.json as Partial<OptimizerStateJson> | undefined;
  if (!j || j.optimizer !== kind) bad(`optimizer state is for "${String(j?.optimizer)}", not "${kind}"`);
  if (j.version !== 1) bad(`optimizer state version ${String(j.version)} is not supported (expected 1)`);
  if (typeof j.steps !== 'object' || j.steps === null) bad('optimizer state has no per-tensor step counts');
  const steps = new Map<string, number>();
  for (const [name, s] of Object.entries(j.steps)) {
    if (!Number.isSafeInteger(s) || s < 0) bad(`optimizer state: step count of "${name}" is ${String(s)}`);
    steps.set(name, s);
  }
  for (const key of state.tensors.keys()) {
    const slash = key.indexOf('/');
    const prefix = key.slice(0, slash);
    if (slash < 0 || !buffers.includes(prefix)) bad(`optimizer state tensor "${key}" is not one of ${buffers.map((b) => `${b}/<name>`).join(', ')}`);
    if (!steps.has(key.slice(slash + 1))) bad(`optimizer state tensor "${key}" has no step count`);
  }
  return steps;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number') bad(`optimizer state: option ${k} is missing or not a number`);
  return v;
}

export class AdamW implements Optimizer {
  readonly kind = 'adamw' as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly noDecay: (name: string) => boolean;
  private readonly steps = new Map<string, number>();
  private readonly tensors = new Map<string, Float32Array>();

  constructor(options: AdamWOptions = {}) {
    this.beta1 = checkRange('AdamW beta1', options.beta1 ?? 0.9, 0, 1, true);
    this.beta2 = checkRange('AdamW beta2', options.beta2 ?? 0.999, 0, 1, true);
    this.eps = checkRange('AdamW eps', options.eps ?? 1e-8, 0, Infinity, true);
    this.weightDecay = checkRange('AdamW weight decay', options.weightDecay ?? 0.01, 0, Infinity, true);
    this.noDecay = options.noDecay ?? isNoDecayParameter;
  }

  stepsOf(name: string): number {
    return this.steps.get(name) ?? 0;
  }

  update(name: string, param: Float32Array, grad: Float32Array, lr: number): void {
    checkUpdateArgs(name, param, grad, lr);
    const n = param.length;
    const m = stateBuffer(this.tensors, `exp_avg/${name}`, name, n);
    const v = stateBuffer(this.tensors, `exp_avg_sq/${name}`, name, n);
    const t = (this.steps.get(name) ?? 0) + 1;
    this.steps.set(name, t);
    adamwKernel(param, grad, m, v, lr, this.beta1, this.beta2, this.eps, this.noDecay(name) ? 0 : this.weightDecay, t);
  }

  state(options: { copy?: boolean } = {}): OptimizerState {
    const o = { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
    return exportState('adamw', o, this.steps, this.tensors, options.copy ?? false);
  }

  /** Continues from `state` (the tensors are taken over, not copied). `noDecay` is code, so it is passed again. */
  static restore(state: OptimizerState, options: { noDecay?: (name: string) => boolean } = {}): AdamW {
    const steps = checkRestore(state, 'adamw', ['exp_avg', 'exp_avg_sq']);
    const o = state.json.options;
    const opt = new AdamW({ beta1: num(o, 'beta1'), beta2: num(o, 'beta2'), eps: num(o, 'eps'), weightDecay: num(o, 'weightDecay'), ...options });
    for (const [k, s] of steps) opt.steps.set(k, s);
    for (const [k, b] of state.tensors) opt.tensors.set(k, b);
    for (const [name, s] of steps) {
      if (s > 0 && (!opt.tensors.has(`exp_avg/${name}`) || !opt.tensors.has(`exp_avg_sq/${name}`))) {
        bad(`optimizer state: "${name}" has taken ${s} steps but its moments are missing`);
      }
    }
    return opt;
  }
}

/** The AdamW inner loop; a separate function so V8 optimizes it on its own. */
function adamwKernel(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
  lr: number, beta1: number, beta2: number, eps: number, wd: number, t: number,
): void {
  const n = p.length;
  const decay = 1 - lr * wd;
  const stepSize = lr / (1 - Math.pow(beta1, t));
  const invBc2Sqrt = 1 / Math.sqrt(1 - Math.pow(beta2, t));
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    // Rounded to float32 before use, as torch uses its stored moments.
    const mi = Math.fround(beta1 * m[i]! + a1 * gi);
    const vi = Math.fround(beta2 * v[i]! + a2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + eps);
  }
}

export class Sgd implements Optimizer {
  readonly kind = 'sgd' as const;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly noDecay: (name: string) => boolean;
  private readonly steps = new Map<string, number>();
  private readonly tensors = new Map<string, Float32Array>();

  constructor(options: SgdOptions = {}) {
    this.momentum = checkRange('SGD momentum', options.momentum ?? 0, 0, Infinity, true);
    this.dampening = checkRange('SGD dampening', options.dampening ?? 0, 0, 1);
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = checkRange('SGD weight decay', options.weightDecay ?? 0, 0, Infinity, true);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) bad('SGD nesterov momentum requires a momentum > 0 and zero dampening');
    this.noDecay = options.noDecay ?? isNoDecayParameter;
  }

  stepsOf(name: string): number {
    return this.steps.get(name) ?? 0;
  }

  update(name: string, param: Float32Array, grad: Float32Array, lr: number): void {
    checkUpdateArgs(name, param, grad, lr);
    const t = (this.steps.get(name) ?? 0) + 1;
    this.steps.set(name, t);
    const wd = this.noDecay(name) ? 0 : this.weightDecay;
    if (this.momentum === 0) {
      sgdKernel(param, grad, lr, wd);
      return;
    }
    const key = `momentum_buffer/${name}`;
    const first = !this.tensors.has(key);
    const buf = stateBuffer(this.tensors, key, name, param.length);
    sgdMomentumKernel(param, grad, buf, lr, wd, this.momentum, first ? 0 : this.momentum, first ? 1 : 1 - this.dampening, this.nesterov);
  }

  state(options: { copy?: boolean } = {}): OptimizerState {
    const o = { momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
    return exportState('sgd', o, this.steps, this.tensors, options.copy ?? false);
  }

  static restore(state: OptimizerState, options: { noDecay?: (name: string) => boolean } = {}): Sgd {
    const steps = checkRestore(state, 'sgd', ['momentum_buffer']);
    const o = state.json.options;
    if (typeof o['nesterov'] !== 'boolean') bad('optimizer state: option nesterov is missing or not a boolean');
    const opt = new Sgd({ momentum: num(o, 'momentum'), dampening: num(o, 'dampening'), nesterov: o['nesterov'], weightDecay: num(o, 'weightDecay'), ...options });
    for (const [k, s] of steps) opt.steps.set(k, s);
    for (const [k, b] of state.tensors) opt.tensors.set(k, b);
    return opt;
  }
}

function sgdKernel(p: Float32Array, g: Float32Array, lr: number, wd: number): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const pi = p[i]!;
    p[i] = pi - lr * (g[i]! + wd * pi);
  }
}

/** b ← keep·b + add·d (first step: keep 0, add 1, i.e. b ← d). */
function sgdMomentumKernel(
  p: Float32Array, g: Float32Array, b: Float32Array,
  lr: number, wd: number, mu: number, keep: number, add: number, nesterov: boolean,
): void {
  const n = p.length;
  if (nesterov) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!;
      const d = g[i]! + wd * pi;
      b[i] = keep * b[i]! + add * d;
      p[i] = pi - lr * (d + mu * b[i]!);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!;
      const d = g[i]! + wd * pi;
      b[i] = keep * b[i]! + add * d;
      p[i] = pi - lr * b[i]!;
    }
  }
}

export type OptimizerSpec =
  | ({ readonly kind: 'adamw' } & AdamWOptions)
  | ({ readonly kind: 'sgd' } & SgdOptions);

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.kind) {
    case 'adamw': return new AdamW(spec);
    case 'sgd': return new Sgd(spec);
    default: return bad(`unknown optimizer ${JSON.stringify((spec as { kind: unknown }).kind)}; accepted: adamw, sgd`);
  }
}

/** Restores whichever optimizer the state was saved from. */
export function restoreOptimizer(state: OptimizerState, options: { noDecay?: (name: string) => boolean } = {}): Optimizer {
  const kind = (state.json as Partial<OptimizerStateJson> | undefined)?.optimizer;
  if (kind === 'adamw') return AdamW.restore(state, options);
  if (kind === 'sgd') return Sgd.restore(state, options);
  return bad(`optimizer state names optimizer ${JSON.stringify(kind)}; accepted: adamw, sgd`);
}

/**
 * Layer-wise learning-rate decay: heads, the pooler and the top encoder layer get ×1; encoder
 * layer i gets ×decay^(numLayers−1−i); the embeddings get ×decay^numLayers.
 */
export function layerLrMultiplier(name: string, numLayers: number, decay: number): number {
  if (!Number.isInteger(numLayers) || numLayers < 0) bad(`numLayers must be a whole number ≥ 0, got ${numLayers}`);
  if (!Number.isFinite(decay) || decay <= 0 || decay > 1) bad(`layer-wise LR decay must be in (0, 1], got ${decay}`);
  const g = parameterGroupOf(name);
  switch (g.kind) {
    case 'head':
    case 'pooler': return 1;
    case 'embeddings': return Math.pow(decay, numLayers);
    case 'layer':
      if (g.index >= numLayers) bad(`parameter "${name}" is in encoder layer ${g.index}, but the model has numLayers = ${numLayers}`);
      return Math.pow(decay, numLayers - 1 - g.index);
  }
}

/** `layerLrMultiplier` as a per-name function for `applyUpdate`'s `lrMultiplier`, cached by name. */
export function layerwiseLrDecay(numLayers: number, decay: number): (name: string) => number {
  layerLrMultiplier('heads.x.out.weight', numLayers, decay); // validates numLayers and decay now
  const cache = new Map<string, number>();
  return (name) => {
    let m = cache.get(name);
    if (m === undefined) {
      m = layerLrMultiplier(name, numLayers, decay);
      cache.set(name, m);
    }
    return m;
  };
}
