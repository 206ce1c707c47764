/**
 * What a training run reports while it runs. Every event is a plain JSON-serialisable object
 * (the model server forwards them over JSON-RPC as they are).
 */
import type { EvalReport } from './evaluate.js';

export type TrainPhase = 'tokenizing' | 'adapting' | 'embedding' | 'training' | 'evaluating' | 'saving';

export interface ProgressEvent {
  readonly type: 'progress';
  readonly phase: TrainPhase;
  /** 0-based epoch in progress (after the last epoch: the number of epochs). */
  readonly epoch: number;
  readonly epochs: number;
  /** Optimizer steps done, of totalSteps. */
  readonly step: number;
  readonly totalSteps: number;
  /** Within a phase that is not 'training': items done of total (rows evaluated, …). */
  readonly done?: number;
  readonly total?: number;
  /** Mean training loss (weighted total and per task) over the steps since the last event. */
  readonly loss?: number;
  readonly losses?: Record<string, number>;
  readonly lr?: number;
  readonly examplesPerSecond?: number;
  readonly etaSeconds?: number;
  readonly elapsedSeconds: number;
}

export interface MessageEvent {
  readonly type: 'message';
  readonly level: 'info' | 'warning';
  readonly message: string;
}

export interface EvaluationEvent {
  readonly type: 'evaluation';
  readonly step: number;
  readonly epoch: number;
  readonly report: EvalReport;
  /** Validation loss improved on the best so far (and the best checkpoint was written). */
  readonly improved: boolean;
}

export interface CheckpointEvent {
  readonly type: 'checkpoint';
  readonly kind: 'best' | 'last';
  readonly dir: string;
  readonly step: number;
}

export type TrainEvent = ProgressEvent | MessageEvent | EvaluationEvent | CheckpointEvent;

/**
 * Progress events at most once per `intervalMs` (default 250 ms: ≤ 4/s). The latest event held
 * back is delivered when the interval has passed (by an unref'd timer, or by flush() at the end), so the
 * receiver always ends up with the current state; one held back when the phase changes goes out
 * at once. Other events pass straight through.
 */
export class EventThrottle {
  private last = -Infinity;
  private pending: ProgressEvent | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: ((e: TrainEvent) => void) | undefined,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  emit(e: TrainEvent): void {
    if (!this.sink) return;
    if (e.type !== 'progress') {
      this.sink(e);
      return;
    }
    const t = this.now();
    // A phase's last event always goes out (adaptation's final step, training's last step
    // before evaluation): the receiver must not see a phase end part-way.
    if (this.pending && this.pending.phase !== e.phase) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.send(this.pending, t);
    }
    if (t - this.last >= this.intervalMs) {
      this.send(e, t);
      return;
    }
    this.pending = e;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.pending) this.send(this.pending, this.now());
    }, Math.max(0, this.intervalMs - (t - this.last))).unref();
  }

  /** Whether a progress event emitted now would go out at once. */
  ready(): boolean {
    return this.now() - this.last >= this.intervalMs;
  }

  /** Delivers the event held back, if any, once its interval has passed. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const wait = this.intervalMs - (this.now() - this.last);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.pending) this.send(this.pending, this.now());
  }

  private send(e: ProgressEvent, t: number): void {
    this.pending = undefined;
    this.last = t;
    this.sink!(e);
  }
}
