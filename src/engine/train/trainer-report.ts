/**
 * What a run tells its caller while it runs: progress (phase, position, elapsed time),
 * messages, evaluations and checkpoints, through the EventThrottle. The position is one object
 * the training phases update, so every progress event reports where the run stands now.
 */
import { EventThrottle, type ProgressEvent, type TrainEvent, type TrainPhase } from './events.js';

/** Where a run stands: steps done of the planned total, the epoch in progress of the planned epochs. */
export interface RunPosition {
  step: number;
  epoch: number;
  epochs: number;
  totalSteps: number;
}

export type ProgressExtra = Partial<Omit<ProgressEvent, 'type' | 'phase'>>;

export class RunReporter {
  private readonly started = performance.now();

  constructor(
    private readonly events: EventThrottle,
    /** Seconds the run had trained before this process took it up (a resumed run). */
    private readonly elapsedBefore: number,
    readonly position: RunPosition,
  ) {}

  /** Seconds spent on this run, across resumes. */
  elapsed(): number {
    return this.elapsedBefore + (performance.now() - this.started) / 1000;
  }

  progress(phase: TrainPhase, extra: ProgressExtra = {}): void {
    const { epoch, epochs, step, totalSteps } = this.position;
    this.events.emit({ type: 'progress', phase, epoch, epochs, step, totalSteps, elapsedSeconds: this.elapsed(), ...extra });
  }

  message(level: 'info' | 'warning', message: string): void {
    this.events.emit({ type: 'message', level, message });
  }

  emit(event: Exclude<TrainEvent, ProgressEvent>): void {
    this.events.emit(event);
  }

  /** Whether a progress event sent now would go out at once (not be held back by the throttle). */
  progressDue(): boolean {
    return this.events.ready();
  }

  flush(): Promise<void> {
    return this.events.flush();
  }
}
