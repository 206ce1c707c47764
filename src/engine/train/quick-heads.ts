/**
 * Quick heads retraining on cached pooled vectors, for labels a person just gave: the backbone is
 * frozen, so each sentence's pooled vector is fixed and only the small heads graph runs (the
 * heads-only path, HeadsTrainer). Rows carry weights (a person's labels count more than the
 * mixed-in training data). Rows that must come out as labelled are checked every few steps and
 * training stops as soon as they do, so the heads move no further from the model's own than the
 * corrections need; rows still wrong count double every few checks. A `guard` set (rows held out
 * of training) keeps a retrain from buying a correction with accuracy elsewhere: the steps that
 * cost more than `maxDrop` of any task's accuracy on it are undone, and the rows still wrong are
 * reported (as are rows the heads cannot fit at all, e.g. one sentence labelled two ways).
 *
 *   const r = await trainHeadsQuick({ hidden, tasks, heads, pooled, rows, weights, mustFit: userRows });
 *   r.heads  → new head weights;  r.unfit → [{ row, task, predicted }]
 */
import { SentenceLensError } from '../errors.js';
import type { Tensor } from '../model/tensor.js';
import type { TaskSpec } from '../model/heads.js';
import { Rng } from '../random.js';
import type { RowLabels } from './heads-graph.js';
import { HeadsTrainer, gatherRows } from './heads-trainer.js';
import { createOptimizer } from './optimizer.js';
import { ParameterSet, applyUpdate } from './step.js';

export interface QuickHeadsOptions {
  readonly hidden: number;
  readonly tasks: readonly TaskSpec[];
  /** Starting head weights (the active model's heads, grown for new labels). */
  readonly heads: ReadonlyMap<string, Tensor>;
  /** Row-major [rows.length, hidden] pooled vectors. */
  readonly pooled: Float32Array;
  readonly rows: readonly RowLabels[];
  /** Loss weight per row (default 1). */
  readonly weights?: readonly number[];
  /** Rows that should come out as labelled (checked, and boosted when they do not). */
  readonly mustFit?: readonly number[];
  /** Most optimizer steps (default 400 with `mustFit`, which stops as soon as those rows fit; else 120). */
  readonly steps?: number;
  readonly lr?: number;
  /** Rows per step; at most this many rows train full-batch (default 2048). */
  readonly batchSize?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly guard?: AccuracyGuard;
}

export interface AccuracyGuard {
  readonly pooled: Float32Array;
  readonly rows: readonly RowLabels[];
  /** Largest accepted fall of a task's accuracy, as a fraction (0.02 = 2 points). */
  readonly maxDrop: number;
}

export interface UnfitRow {
  readonly row: number;
  readonly task: string;
  /** Index of the label the trained heads give. */
  readonly predicted: number;
  /** Probability of the row's label minus the largest other one (negative: wrong). */
  readonly margin: number;
}

/** Steps between checks of the rows that must fit (and of the guard). */
const CHECK_EVERY = 10;
/** Rows still unfit after this many steps count twice as much from then on. */
const BOOST_EVERY = 40;
/**
 * Doublings a row may get at most (×8). Enough for a correction to outweigh the mixed-in data
 * around it; unbounded, the rows no head can fit (overlapping classes, label noise) would end up
 * weighing hundreds of times the rest after 400 steps and pull the heads off the data (heads
 * trained on 2,913 labelled rows scored 72% on held-out topic where a plain linear probe on the
 * same vectors scores 84%; 84% with the cap).
 */
const MAX_DOUBLINGS = 3;
/** Checks without progress on a row left to fit before training gives up on it. */
const PATIENCE = 8;
/** Margin gain that counts as progress. */
const MIN_GAIN = 0.005;
/**
 * Checks in a row that may cost more than the guard allows, without the guard rows' loss falling,
 * before training goes back to the last acceptable heads and stops. Heads far from the data (a
 * model's untrained heads over a backbone whose vectors share one large direction) first dip in
 * accuracy on the guard rows while their loss falls, then climb well above where they started; a
 * correction bought with accuracy elsewhere raises that loss.
 */
const GUARD_PATIENCE = 3;
/** Training goes on until each row that must fit is right by this much probability (e.g. 60% / 40%). */
const FIT_MARGIN = 0.2;

export interface QuickHeadsResult {
  readonly heads: Map<string, Tensor>;
  readonly unfit: UnfitRow[];
  readonly steps: number;
  readonly loss: number;
  /** Accuracy per task on the guard rows with the starting heads and the returned ones. */
  readonly guard?: { readonly before: Record<string, number>; readonly after: Record<string, number> };
  /** Training rounds undone because they cost too much accuracy on the guard rows. */
  readonly undone: number;
}

export async function trainHeadsQuick(o: QuickHeadsOptions): Promise<QuickHeadsResult> {
  const n = o.rows.length;
  if (o.pooled.length !== n * o.hidden) throw new SentenceLensError('BAD_ARGUMENT', `pooled has ${o.pooled.length} values, expected ${n} rows × ${o.hidden}`);
  const weights = [...(o.weights ?? o.rows.map(() => 1))];
  const params = new ParameterSet([...o.heads].map(([name, t]) => [name, t.data.slice()] as [string, Float32Array]));
  const trainer = await HeadsTrainer.create({ hidden: o.hidden, tasks: o.tasks, heads: o.heads, isTrainable: () => true, device: 'cpu' });
  try {
    const optimizer = createOptimizer({ kind: 'adamw', weightDecay: 0 });
    const rng = new Rng(o.seed ?? 42);
    const batchSize = o.batchSize ?? 2048;
    const everything = Array.from({ length: n }, (_, i) => i);
    const full = n <= batchSize ? { pooled: o.pooled, rows: o.rows } : undefined;
    let steps = 0;
    let loss = Number.NaN;
    const round = async (count: number) => {
      for (let s = 0; s < count; s++) {
        if (o.signal?.aborted) throw new SentenceLensError('CANCELLED', 'heads retraining cancelled');
        const idx = full ? everything : rng.shuffle([...everything]).slice(0, batchSize);
        const r = await trainer.run(full?.pooled ?? gatherRows(o.pooled, o.hidden, idx), full?.rows ?? idx.map((i) => o.rows[i]!), params, idx.map((i) => weights[i]!));
        applyUpdate(params, r.grads, optimizer, o.lr ?? 0.01, { maxGradNorm: 5 });
        loss = r.loss;
        steps++;
      }
    };
    const guardBefore = o.guard && (await evaluate(trainer, params, o.tasks, o.guard)).accuracy;
    let guardAfter = guardBefore;
    let good = snapshot(params);
    let unfit = await misfits(trainer, params, o, o.mustFit ?? [], FIT_MARGIN);
    let undone = 0;
    const doublings = new Map<number, number>();
    const maxSteps = o.steps ?? (o.mustFit ? 400 : 120);
    // With rows that must fit, training stops as soon as they do (by FIT_MARGIN): the fewer steps,
    // the less the heads drift from the model's own elsewhere (Adam moves every weight ~lr a step).
    // Rows that cannot fit (contradictions, a backbone that cannot tell them apart) would keep it
    // going to maxSteps, so it also stops once every row still short has stopped gaining.
    const progress = new Progress();
    const dip = new GuardDip();
    while (steps < maxSteps && (!o.mustFit || progress.anyGaining(unfit))) {
      await round(CHECK_EVERY);
      const check = o.guard && (await evaluate(trainer, params, o.tasks, o.guard));
      const acc = check?.accuracy;
      const accepted = !acc || !guardBefore || withinDrop(acc, guardBefore, o.guard!.maxDrop);
      if (accepted) {
        good = snapshot(params);
        guardAfter = acc;
      }
      if (!dip.mayGoOn(accepted, check?.loss ?? 0)) break;
      unfit = await misfits(trainer, params, o, o.mustFit ?? [], FIT_MARGIN);
      if (steps % BOOST_EVERY === 0) boost(weights, doublings, unfit);
    }
    // Training that ends while it costs too much held-out accuracy goes back to the last steps that did not.
    if (dip.open) {
      restore(params, good);
      undone++;
    }
    // Reported: the rows that come out wrong (those right by a thin margin are not).
    unfit = await misfits(trainer, params, o, o.mustFit ?? []);
    const heads = new Map([...o.heads].map(([name, t]) => [name, { shape: [...t.shape], data: params.get(name).slice() }] as [string, Tensor]));
    return { heads, unfit, steps, loss, undone, guard: guardBefore && guardAfter ? { before: guardBefore, after: guardAfter } : undefined };
  } finally {
    await trainer.release();
  }
}

/** Doubles the weight of each row still unfit, up to MAX_DOUBLINGS times per row. */
function boost(weights: number[], doublings: Map<number, number>, unfit: readonly UnfitRow[]): void {
  for (const row of new Set(unfit.map((u) => u.row))) {
    const done = doublings.get(row) ?? 0;
    if (done >= MAX_DOUBLINGS) continue;
    weights[row]! *= 2;
    doublings.set(row, done + 1);
  }
}

/** Per row and task: the margin at the last check and how many checks since it last grew. */
class Progress {
  private readonly last = new Map<string, { margin: number; stale: number }>();

  /** Records this check's rows; true while some row gained MIN_GAIN within the last PATIENCE checks. */
  anyGaining(unfit: readonly UnfitRow[]): boolean {
    let gaining = false;
    for (const u of unfit) {
      const key = `${u.row}|${u.task}`;
      const prev = this.last.get(key);
      const stale = !prev ? 0 : u.margin > prev.margin + MIN_GAIN ? 0 : prev.stale + 1;
      this.last.set(key, { margin: u.margin, stale });
      if (stale < PATIENCE) gaining = true;
    }
    return gaining;
  }
}

/** True when no task's accuracy fell more than `maxDrop` below where it started. */
function withinDrop(acc: Record<string, number>, before: Record<string, number>, maxDrop: number): boolean {
  return Object.keys(acc).every((t) => acc[t]! >= before[t]! - maxDrop);
}

/** A run of checks that cost too much held-out accuracy, and whether it is still recovering. */
class GuardDip {
  private bestLoss = Number.POSITIVE_INFINITY;
  private stale = 0;
  open = false;

  /** Records a check; false once a dip has gone GUARD_PATIENCE checks without the guard loss falling. */
  mayGoOn(accepted: boolean, loss: number): boolean {
    if (accepted || !this.open || loss < this.bestLoss) {
      this.bestLoss = loss;
      this.stale = 0;
    } else {
      this.stale++;
    }
    this.open = !accepted;
    return this.stale < GUARD_PATIENCE;
  }
}

function snapshot(params: ParameterSet): Map<string, Float32Array> {
  return new Map(params.names().map((n) => [n, params.get(n).slice()]));
}

function restore(params: ParameterSet, saved: ReadonlyMap<string, Float32Array>): void {
  for (const [n, d] of saved) params.get(n).set(d);
}

/** Accuracy per task over the guard rows that have a label for it, and their loss. */
async function evaluate(trainer: HeadsTrainer, params: ParameterSet, tasks: readonly TaskSpec[], guard: AccuracyGuard): Promise<{ accuracy: Record<string, number>; loss: number }> {
  if (guard.rows.length === 0) return { accuracy: {}, loss: 0 };
  const r = await trainer.run(guard.pooled, guard.rows, params);
  const out: Record<string, number> = {};
  for (const t of tasks) {
    const k = t.labels.length;
    let n = 0;
    let hits = 0;
    guard.rows.forEach((row, j) => {
      const y = row[t.name];
      if (y === null || y === undefined) return;
      n++;
      if (argmax(r.logits[t.name]!.subarray(j * k, (j + 1) * k)) === y) hits++;
    });
    if (n > 0) out[t.name] = hits / n;
  }
  return { accuracy: out, loss: r.loss };
}

/**
 * The rows of `check` whose labelled tasks the current heads get wrong, or (with `margin`) get
 * right by less than that much probability over the next label: a correction that only just
 * tips over (50.1%) would flip back at the next retrain and shows as a coin toss.
 */
async function misfits(trainer: HeadsTrainer, params: ParameterSet, o: QuickHeadsOptions, check: readonly number[], margin = 0): Promise<UnfitRow[]> {
  if (check.length === 0) return [];
  const rows = check.map((i) => o.rows[i]!);
  const r = await trainer.run(gatherRows(o.pooled, o.hidden, check), rows, params);
  const out: UnfitRow[] = [];
  for (const t of o.tasks) {
    const k = t.labels.length;
    const logits = r.logits[t.name]!;
    rows.forEach((row, j) => {
      const y = row[t.name];
      if (y === null || y === undefined) return;
      const z = logits.subarray(j * k, (j + 1) * k);
      const predicted = argmax(z);
      const m = probabilityMargin(z, y);
      if (predicted !== y || m < margin) out.push({ row: check[j]!, task: t.name, predicted, margin: m });
    });
  }
  return out;
}

/** softmax(z)[y] minus the largest other softmax(z)[k]. */
function probabilityMargin(z: ArrayLike<number>, y: number): number {
  const max = Math.max(...Array.from(z));
  const e = Array.from(z, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  const other = Math.max(...e.filter((_, i) => i !== y));
  return (e[y]! - other) / sum;
}

export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}
