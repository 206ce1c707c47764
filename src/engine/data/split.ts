import { SentenceLensError } from '../errors.js';
import { Rng } from '../random.js';

/**
 * Seeded stratified train/validation split. Stratifying keeps rare labels represented in
 * both parts, so validation accuracy and macro-F1 mean something on imbalanced data.
 */

export interface SplitOptions {
  /** Share of rows for validation, in [0, 1). */
  valFraction: number;
  seed: number;
  /** Task to stratify by; default the first task (the first key of a row's labels). */
  stratifyBy?: string;
}

export interface LabelledRow {
  labels: Record<string, number | null>;
}

export function stratifiedSplit<R extends LabelledRow>(rows: readonly R[], options: SplitOptions): { train: R[]; val: R[] } {
  const { valFraction, seed } = options;
  if (!(Number.isFinite(valFraction) && valFraction >= 0 && valFraction < 1)) {
    throw new SentenceLensError('BAD_ARGUMENT', `valFraction is ${valFraction}; expected a number in [0, 1), such as 0.1`);
  }
  if (!Number.isInteger(seed)) {
    throw new SentenceLensError('BAD_ARGUMENT', `seed is ${seed}; expected an integer`);
  }
  if (rows.length === 0) return { train: [], val: [] };
  const tasks = Object.keys(rows[0]!.labels);
  const task = options.stratifyBy ?? tasks[0];
  if (task === undefined || !tasks.includes(task)) {
    throw new SentenceLensError(
      'BAD_ARGUMENT',
      `stratifyBy is '${String(task)}', which is not a task of these rows; expected one of ${tasks.map((t) => `'${t}'`).join(', ')}`,
    );
  }

  // Strata in a fixed order (labels ascending, missing last) so the seed alone decides.
  const strata = new Map<number | null, number[]>();
  rows.forEach((row, i) => {
    const label = row.labels[task] ?? null;
    const members = strata.get(label);
    if (members) members.push(i);
    else strata.set(label, [i]);
  });
  const groups = [...strata.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a - b))
    .map(([label, members]) => ({ label, members }));

  const rng = new Rng(seed);
  const quotas = allocate(groups, rows.length, valFraction, rng);
  const inVal = new Uint8Array(rows.length);
  groups.forEach((group, g) => {
    for (const i of rng.shuffle([...group.members]).slice(0, quotas[g])) inVal[i] = 1;
  });
  const train: R[] = [];
  const val: R[] = [];
  rows.forEach((row, i) => (inVal[i] ? val : train).push(row));
  return { train, val };
}

/**
 * Validation rows per stratum by largest remainder, so the total matches the requested
 * fraction instead of accumulating per-label rounding. A labelled stratum keeps at least
 * one row in train (a label seen only in validation cannot be learned), so a singleton
 * label stays in train; rows without the label have no such need.
 */
function allocate(groups: { label: number | null; members: number[] }[], total: number, fraction: number, rng: Rng): number[] {
  const caps = groups.map((g) => (g.label === null ? g.members.length : g.members.length - 1));
  let target = Math.round(total * fraction);
  // Asking for a validation split and getting none would be a surprise; take one row.
  if (fraction > 0 && target === 0) target = 1;
  target = Math.min(target, caps.reduce((a, b) => a + b, 0));

  const exact = groups.map((g) => g.members.length * fraction);
  const quotas = exact.map((e, g) => Math.min(Math.floor(e), caps[g]!));
  let left = target - quotas.reduce((a, b) => a + b, 0);
  // Random tie-breaks, so equal-sized labels do not always lose the extra row in label order.
  const order = groups
    .map((_, g) => ({ g, remainder: exact[g]! - Math.floor(exact[g]!), tie: rng.next() }))
    .sort((a, b) => b.remainder - a.remainder || a.tie - b.tie);
  while (left > 0) {
    let gave = false;
    for (const { g } of order) {
      if (left === 0) break;
      if (quotas[g]! < caps[g]!) {
        quotas[g]!++;
        left--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return quotas;
}
