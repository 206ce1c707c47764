/**
 * How a run's progress reads, the same in the panel and in the notification of Train on CSV….
 * Pure (no imports): bundled for the browser too.
 */

export interface ProgressFields {
  readonly phase: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly totalSteps: number;
  readonly done?: number;
  readonly total?: number;
  readonly examplesPerSecond?: number;
  readonly etaSeconds?: number;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Whole percent of the steps done (0 before the step count is known). */
export function percentDone(p: Pick<ProgressFields, 'step' | 'totalSteps'>): number {
  return p.totalSteps > 0 ? Math.min(100, Math.floor((100 * p.step) / p.totalSteps)) : 0;
}

/**
 * What a progress bar shows for the current phase: adaptation before fine-tuning counts its own
 * steps (`done` of `total`; fine-tuning's steps have not begun), every other phase the run's steps.
 */
export function phasePercent(p: Pick<ProgressFields, 'phase' | 'step' | 'totalSteps' | 'done' | 'total'>): number {
  if (p.phase === 'adapting') return p.total ? Math.min(100, Math.floor((100 * (p.done ?? 0)) / p.total)) : 0;
  return percentDone(p);
}

/** "epoch 2/3 · step 40/60 · 118 examples/s · ETA 0:12", "adapting (masked-LM) step 3/10", or the phase with its count. */
export function progressLine(p: ProgressFields): string {
  // Domain adaptation runs before fine-tuning has steps: its own steps are `done` of `total`.
  if (p.phase === 'adapting') return `adapting (masked-LM) step ${p.done ?? 0}/${p.total ?? '?'}`;
  if (p.phase !== 'training') {
    const count = p.total ? ` ${p.done ?? 0}/${p.total}` : '';
    return `${p.phase}${count}${p.totalSteps ? ` · step ${p.step}/${p.totalSteps}` : ''}`;
  }
  const parts = [`epoch ${Math.min(p.epoch + 1, p.epochs)}/${p.epochs}`, `step ${p.step}/${p.totalSteps}`];
  if (p.examplesPerSecond !== undefined) parts.push(`${p.examplesPerSecond >= 100 ? Math.round(p.examplesPerSecond) : p.examplesPerSecond.toFixed(1)} examples/s`);
  if (p.etaSeconds !== undefined && p.step < p.totalSteps) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  return parts.join(' · ');
}
