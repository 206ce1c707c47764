/** The simulation's summary: mean and spread over seeds per label count, the table, the plot. */
import type { TaskSpec } from '../../src/engine/model/heads.js';
import { renderPlot } from '../plot.js';
import type { CurvePoint, Strategy } from './simulate.js';

export interface Summary {
  readonly labels: number;
  /** Mean over the tasks, then mean / sample standard deviation / min / max over the seeds. */
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly perTask: Readonly<Record<string, number>>;
}

export type Curves = Record<Strategy, CurvePoint[][]>;

const avg = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function summarize(runs: readonly CurvePoint[][], tasks: readonly TaskSpec[]): Summary[] {
  return runs[0]!.map((p, k) => {
    const perSeed = runs.map((r) => avg(tasks.map((t) => r[k]!.accuracy[t.name]!)));
    const mean = avg(perSeed);
    const sd = Math.sqrt(perSeed.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, perSeed.length - 1));
    const perTask = Object.fromEntries(tasks.map((t) => [t.name, avg(runs.map((r) => r[k]!.accuracy[t.name]!))]));
    return { labels: p.labels, mean, sd, min: Math.min(...perSeed), max: Math.max(...perSeed), perTask };
  });
}

/** The fewest labels at which uncertainty-first's mean reaches random order's mean at the full budget. */
export function labelsToReach(uncertainty: readonly Summary[], random: readonly Summary[]) {
  const target = random[random.length - 1]!;
  const reached = uncertainty.find((s) => s.mean >= target.mean);
  return { target: target.mean, budget: target.labels, labels: reached?.labels, share: reached ? reached.labels / target.labels : undefined };
}

/** How far uncertainty-first is ahead of random order, label count by label count, up to half the budget. */
export function leadOverFirstHalf(u: readonly Summary[], r: readonly Summary[]) {
  const half = r[r.length - 1]!.labels / 2;
  const diffs = u.filter((s) => s.labels <= half).map((s, k) => s.mean - r[k]!.mean);
  return { points: diffs.length, ahead: diffs.filter((d) => d > 0).length, meanLead: avg(diffs), largest: Math.max(...diffs) };
}

export function table(u: readonly Summary[], r: readonly Summary[], tasks: readonly TaskSpec[], rowsAt: readonly number[]): string {
  const head = `| labels | uncertainty-first (mean ± sd over seeds) | random order (mean ± sd) | ${tasks.map((t) => `${t.name}: unc. / random`).join(' | ')} |`;
  const lines = [head, `|--:|--:|--:|${tasks.map(() => '--:').join('|')}|`];
  u.forEach((s, k) => {
    if (!rowsAt.includes(s.labels) && k !== u.length - 1) return;
    const q = r[k]!;
    lines.push(`| ${s.labels} | ${pct(s.mean)} ± ${(s.sd * 100).toFixed(1)} | ${pct(q.mean)} ± ${(q.sd * 100).toFixed(1)} | ${tasks.map((t) => `${pct(s.perTask[t.name]!)} / ${pct(q.perTask[t.name]!)}`).join(' | ')} |`);
  });
  return lines.join('\n');
}

export function plot(u: readonly Summary[], r: readonly Summary[], title: string, subtitle: string): string {
  const line = (xs: readonly Summary[], f: (s: Summary) => number) => xs.map((s) => [s.labels, f(s)] as const);
  const budget = r[r.length - 1]!;
  const lows = [...u, ...r].map((s) => s.min);
  return renderPlot({
    title, subtitle, width: 980, height: 520,
    xLabel: 'labelled sentences',
    yLabel: 'test accuracy (held-out set, mean of the tasks)',
    series: [
      { name: 'uncertainty-first', color: '#1f77b4', points: line(u, (s) => s.mean) },
      { name: 'random order', color: '#d62728', points: line(r, (s) => s.mean) },
      { name: 'lowest / highest seed (light lines)', color: '#9ecae1', points: line(u, (s) => s.min), thin: true },
      { name: '', color: '#9ecae1', points: line(u, (s) => s.max), thin: true },
      { name: '', color: '#f4a6a6', points: line(r, (s) => s.min), thin: true },
      { name: '', color: '#f4a6a6', points: line(r, (s) => s.max), thin: true },
      // The target: random order's full-budget mean, to be reached left of half the budget.
      { name: 'target (random at full budget; ½ budget)', color: '#444', points: [[u[0]!.labels, budget.mean], [budget.labels, budget.mean]], thin: true },
      { name: '', color: '#444', points: [[budget.labels / 2, Math.min(...lows)], [budget.labels / 2, budget.mean]], thin: true },
    ],
  });
}
