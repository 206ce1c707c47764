/**
 * What the panel draws for a run, folded from its event log entries: progress, the chart series
 * (training and validation loss per task, validation accuracy and macro-F1 per task, learning
 * rate), the latest evaluation, messages, and how it ended. Pure, so the same history always
 * draws the same panel, after a reload too.
 */
import type { ProgressFields } from '../../runs/format.js';
import type { RunLogEntry } from '../schema.js';

export type Point = readonly [step: number, value: number];
export type Series = Record<string, Point[]>;

export interface TaskReport {
  readonly count: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: readonly { label: string; precision: number; recall: number; f1: number; support: number }[];
  readonly confusion: readonly (readonly number[])[];
  readonly labels: readonly string[];
}

export interface Evaluation {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly examples: number;
  readonly tasks: Readonly<Record<string, TaskReport>>;
  readonly improved: boolean;
}

export interface RunView {
  readonly runId: string;
  readonly lastSeq: number;
  readonly running: boolean;
  readonly progress?: ProgressFields & { readonly elapsedSeconds?: number };
  /** Domain adaptation before fine-tuning (masked-LM steps done of total), when the run adapts. */
  readonly adapt?: { readonly step: number; readonly totalSteps: number };
  /** Masked-LM loss while the run adapts, by adaptation step (mean since the previous point). */
  readonly adaptLoss: Point[];
  readonly trainLoss: Series;
  readonly valLoss: Series;
  readonly valAccuracy: Series;
  readonly valF1: Series;
  readonly lr: Point[];
  readonly lastEval?: Evaluation;
  readonly messages: readonly { level: string; message: string }[];
  readonly checkpoints: readonly { kind: string; step: number }[];
  readonly ended?: { readonly status: string; readonly message?: string; readonly step: number; readonly totalSteps: number };
  readonly failure?: { readonly message: string; readonly location?: { file: string; line: number; column?: number } };
}

export function emptyRunView(runId: string): RunView {
  return { runId, lastSeq: -1, running: false, adaptLoss: [], trainLoss: {}, valLoss: {}, valAccuracy: {}, valF1: {}, lr: [], messages: [], checkpoints: [] };
}

/** The total training loss over all tasks is drawn as this series. */
export const TOTAL = 'total';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function push(series: Series, key: string, p: Point): Series {
  return { ...series, [key]: [...(series[key] ?? []), p] };
}

/** Folds entries (in seq order; ones already folded are skipped) into the view. */
export function applyEntries(view: RunView, entries: readonly RunLogEntry[]): RunView {
  let v = view;
  for (const entry of entries) {
    if (entry.seq <= v.lastSeq) continue;
    v = { ...applyEvent(v, entry.event), lastSeq: entry.seq };
  }
  return v;
}

function applyEvent(v: RunView, e: Record<string, unknown>): RunView {
  switch (e.type) {
    case 'started':
      return { ...v, running: true, ended: undefined, failure: undefined };
    case 'progress': {
      const step = num(e.step) ?? 0;
      const progress = {
        phase: str(e.phase) ?? 'training', epoch: num(e.epoch) ?? 0, epochs: num(e.epochs) ?? 0, step, totalSteps: num(e.totalSteps) ?? 0,
        done: num(e.done), total: num(e.total), examplesPerSecond: num(e.examplesPerSecond), etaSeconds: num(e.etaSeconds), elapsedSeconds: num(e.elapsedSeconds),
      };
      if (progress.phase !== 'adapting') return { ...v, running: true, progress };
      const adapt = { step: progress.done ?? 0, totalSteps: progress.total ?? 0 };
      const loss = num(e.loss);
      return { ...v, running: true, progress, adapt, adaptLoss: loss === undefined ? v.adaptLoss : [...v.adaptLoss, [adapt.step, loss]] };
    }
    case 'trainLoss': {
      // Chart points: the trainer logs the mean loss of each stretch of steps (src/trainer/loss-points.ts).
      const step = num(e.step) ?? 0;
      const loss = num(e.loss);
      let next = v;
      if (loss !== undefined) {
        let trainLoss = push(next.trainLoss, TOTAL, [step, loss]);
        for (const [task, l] of Object.entries((e.losses ?? {}) as Record<string, unknown>)) if (num(l) !== undefined) trainLoss = push(trainLoss, task, [step, l as number]);
        next = { ...next, trainLoss };
      }
      const lr = num(e.lr);
      return lr === undefined ? next : { ...next, lr: [...next.lr, [step, lr]] };
    }
    case 'evaluation': {
      const report = (e.report ?? {}) as { loss?: unknown; examples?: unknown; tasks?: Record<string, TaskReport> };
      const step = num(e.step) ?? 0;
      const tasks = report.tasks ?? {};
      let { valLoss, valAccuracy, valF1 } = v;
      for (const [task, m] of Object.entries(tasks)) {
        if (num(m.loss) !== undefined) valLoss = push(valLoss, task, [step, m.loss]);
        valAccuracy = push(valAccuracy, task, [step, m.accuracy]);
        valF1 = push(valF1, task, [step, m.macroF1]);
      }
      const lastEval: Evaluation = { step, epoch: num(e.epoch) ?? 0, loss: num(report.loss) ?? Number.NaN, examples: num(report.examples) ?? 0, tasks, improved: e.improved === true };
      return { ...v, valLoss, valAccuracy, valF1, lastEval };
    }
    case 'message':
      return { ...v, messages: [...v.messages, { level: str(e.level) ?? 'info', message: str(e.message) ?? '' }] };
    case 'checkpoint':
      return { ...v, checkpoints: [...v.checkpoints.filter((c) => c.kind !== e.kind), { kind: str(e.kind) ?? '', step: num(e.step) ?? 0 }] };
    case 'ended': {
      const ended = { status: str(e.status) ?? 'completed', message: str(e.message), step: num(e.step) ?? 0, totalSteps: num(e.totalSteps) ?? 0 };
      const progress = v.progress && { ...v.progress, step: ended.step, totalSteps: ended.totalSteps || v.progress.totalSteps };
      return { ...v, running: false, ended, progress };
    }
    case 'failed': {
      const loc = e.location as { file?: unknown; line?: unknown; column?: unknown } | undefined;
      const location = loc && str(loc.file) && num(loc.line) ? { file: loc.file as string, line: loc.line as number, ...(num(loc.column) ? { column: loc.column as number } : {}) } : undefined;
      return { ...v, running: false, failure: { message: str(e.message) ?? 'the run failed', ...(location ? { location } : {}) } };
    }
    default:
      return v;
  }
}

/** Points across every series of the view's charts (what "the charts hold points" counts). */
export function pointCount(s: Series): number {
  return Object.values(s).reduce((n, p) => n + p.length, 0);
}
