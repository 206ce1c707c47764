/**
 * The training-loss points a run's charts are drawn from, independent of how fast it runs: the
 * trainer hears every step (progress events unthrottled) and logs the mean loss over each stretch
 * of about totalSteps / MAX_POINTS steps, so a run of a second and a run of a day both chart
 * about MAX_POINTS points, and the event log stays small.
 */
import type { ProgressEvent } from '../engine/train/events.js';
import { LossWindow } from '../engine/train/trainer-loop.js';

export const MAX_POINTS = 200;

export interface LossPoint {
  readonly type: 'trainLoss';
  readonly step: number;
  readonly loss: number;
  readonly losses: Record<string, number>;
  readonly lr?: number;
}

export class LossPoints {
  private window = new LossWindow();
  private last: ProgressEvent | undefined;

  /** Takes one step's progress event; returns a point when its stretch is complete. */
  add(e: ProgressEvent): LossPoint | undefined {
    if (e.phase !== 'training' || e.loss === undefined) return undefined;
    this.window.add(e.loss, e.losses ?? {});
    this.last = e;
    return this.window.n >= Math.max(1, Math.ceil(e.totalSteps / MAX_POINTS)) ? this.flush() : undefined;
  }

  /** The point of the stretch so far (at the end of the run), if it has steps. */
  flush(): LossPoint | undefined {
    const last = this.last;
    if (!last || this.window.n === 0) return undefined;
    const point: LossPoint = { type: 'trainLoss', step: last.step, ...this.window.mean(), ...(last.lr !== undefined ? { lr: last.lr } : {}) };
    this.window = new LossWindow();
    return point;
  }
}
