/**
 * Learning-rate schedules: linear warmup, then linear or cosine decay to 0, or constant.
 * The formulas are Hugging Face transformers' (optimization.py), step for step:
 *
 *   warmup (all kinds), step < W:   lr = base · step / max(1, W)
 *   linear   (get_linear_schedule_with_warmup), step ≥ W:
 *            lr = base · max(0, (T − step) / max(1, T − W))
 *   cosine   (get_cosine_schedule_with_warmup, num_cycles = 0.5), step ≥ W:
 *            progress = (step − W) / max(1, T − W)
 *            lr = base · max(0, 0.5 · (1 + cos(π · 2 · 0.5 · progress)))
 *   constant (get_constant_schedule_with_warmup), step ≥ W:  lr = base
 *
 * T = total optimizer steps, W = warmup steps. A warmup given as a fraction becomes
 * W = ceil(T · fraction), as TrainingArguments.get_warmup_steps does with warmup_ratio.
 *
 * `step` is the number of optimizer updates already applied (0 for the first update), which is
 * what LambdaLR passes: Hugging Face calls scheduler.step() after optimizer.step(), so update k
 * (0-based) runs at lr(k). With warmup the first update therefore runs at lr 0, as in HF.
 *
 * Worked numbers (base 1e-3, T = 10, W = 2; the tests check these):
 *   linear: lr(0) = 0, lr(1) = 5e-4, lr(2) = 1e-3, lr(6) = 1e-3·4/8 = 5e-4, lr(9) = 1.25e-4, lr(10) = 0
 *   cosine: lr(4) = 1e-3·0.5·(1 + cos(π/4)) ≈ 8.5355339e-4, lr(6) = 5e-4, lr(10) = 0
 */
import { SentenceLensError } from '../errors.js';

export type DecayKind = 'linear' | 'cosine' | 'constant';

export type Warmup = { readonly steps: number } | { readonly fraction: number };

export interface ScheduleOptions {
  readonly baseLr: number;
  /** Total optimizer updates in the run (after gradient accumulation). */
  readonly totalSteps: number;
  /** Default: no warmup. */
  readonly warmup?: Warmup;
  readonly decay: DecayKind;
}

function bad(msg: string): never {
  throw new SentenceLensError('BAD_ARGUMENT', msg);
}

export function warmupStepsFor(totalSteps: number, warmup: Warmup | undefined): number {
  if (warmup === undefined) return 0;
  if ('steps' in warmup) {
    if (!Number.isSafeInteger(warmup.steps) || warmup.steps < 0) bad(`warmup steps must be a whole number ≥ 0, got ${warmup.steps}`);
    return warmup.steps;
  }
  if (!Number.isFinite(warmup.fraction) || warmup.fraction < 0 || warmup.fraction > 1) bad(`warmup fraction must be in [0, 1], got ${warmup.fraction}`);
  return Math.ceil(totalSteps * warmup.fraction);
}

export class LrSchedule {
  readonly baseLr: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly decay: DecayKind;

  constructor(options: ScheduleOptions) {
    const { baseLr, totalSteps, decay } = options;
    if (!Number.isFinite(baseLr) || baseLr < 0) bad(`learning rate must be finite and ≥ 0, got ${baseLr}`);
    if (!Number.isSafeInteger(totalSteps) || totalSteps < 1) bad(`total training steps must be a whole number ≥ 1, got ${totalSteps}`);
    if (decay !== 'linear' && decay !== 'cosine' && decay !== 'constant') bad(`unknown LR decay ${JSON.stringify(decay)}; accepted: linear, cosine, constant`);
    this.baseLr = baseLr;
    this.totalSteps = totalSteps;
    this.decay = decay;
    this.warmupSteps = warmupStepsFor(totalSteps, options.warmup);
  }

  /** The LR factor for update `step` (0-based), the HF lr_lambda. */
  multiplierAt(step: number): number {
    if (!Number.isSafeInteger(step) || step < 0) bad(`schedule step must be a whole number ≥ 0, got ${step}`);
    const W = this.warmupSteps;
    const T = this.totalSteps;
    if (step < W) return step / Math.max(1, W);
    switch (this.decay) {
      case 'constant': return 1;
      case 'linear': return Math.max(0, (T - step) / Math.max(1, T - W));
      case 'cosine': {
        const progress = (step - W) / Math.max(1, T - W);
        return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
      }
    }
  }

  /** The learning rate for update `step` (0-based). */
  lrAt(step: number): number {
    return this.baseLr * this.multiplierAt(step);
  }
}

export function makeSchedule(options: ScheduleOptions): LrSchedule {
  return new LrSchedule(options);
}
