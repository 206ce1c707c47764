/**
 * One training run in this process: the engine's train() with its events appended to the run
 * folder's log (and handed to `send` for a connected extension), run.json kept current, and a
 * stop that ends the run after the step in progress, asked either over RPC or, by a window
 * that re-attached after a reload, with the stop file.
 */
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { locateMessage } from '../engine/data/inspect.js';
import { EventThrottle, type TrainEvent } from '../engine/train/events.js';
import { train, type TrainResult } from '../engine/train/trainer.js';
import type { StartRunParams } from '../protocol.js';
import { LossPoints } from './loss-points.js';
import {
  EVENTS_FILE,
  type RunEvent,
  type RunLogEntry,
  type RunMeta,
  RUN_FORMAT,
  readEvents,
  readRunMeta,
  STOP_FILE,
  writeRunMeta,
} from '../runs/run-folder.js';

/** How often the stop file is looked for: well under any real step's time. */
const STOP_POLL_MS = 200;
/** Progress for display (percent, ETA) at most this often; chart points come from LossPoints. */
const PROGRESS_INTERVAL_MS = 250;

export class RunProcess {
  private readonly abort = new AbortController();
  private seq = 0;
  private meta!: RunMeta;
  private readonly points = new LossPoints();
  private readonly display = new EventThrottle((e) => this.logEvent(e), PROGRESS_INTERVAL_MS);
  /** Settles when the run has ended (whatever the outcome) and its end is logged. */
  done: Promise<void> = Promise.resolve();

  private constructor(
    private readonly params: StartRunParams,
    private readonly send: (entry: RunLogEntry) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the run; resolves once run.json and the `started` event are written. */
  static async start(params: StartRunParams, send: (entry: RunLogEntry) => void, log: (line: string) => void): Promise<RunProcess> {
    const r = new RunProcess(params, send, log);
    mkdirSync(params.runDir, { recursive: true });
    rmSync(join(params.runDir, STOP_FILE), { force: true });
    await r.openMeta();
    r.append({ type: 'started', resumed: !params.options, pid: process.pid });
    r.done = r.train();
    return r;
  }

  /** Ends the run after the step in progress; resolves when it has ended and saved `last`. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async train(): Promise<void> {
    const { runDir } = this.params;
    const stopPoll = setInterval(() => {
      if (existsSync(join(runDir, STOP_FILE))) this.abort.abort();
    }, STOP_POLL_MS);
    try {
      const input = this.params.options ? { ...this.params.options, out: runDir } : { resume: runDir, ...(this.params.device ? { device: this.params.device } : {}) };
      // Every step's event: LossPoints and the display throttle decide what the log keeps.
      const result = await train(input, { signal: this.abort.signal, onEvent: (e) => this.onEvent(e), progressIntervalMs: 0 });
      await this.finish(result);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log(`run failed: ${e instanceof Error ? (e.stack ?? message) : message}`);
      const located = locateMessage(this.meta.options.csv, message) ?? (this.meta.options.val ? locateMessage(this.meta.options.val, message) : undefined);
      this.append({ type: 'failed', message, ...(located?.location ? { location: located.location } : {}) });
      this.update({ status: 'failed', pid: null, message });
    } finally {
      clearInterval(stopPoll);
      rmSync(join(runDir, STOP_FILE), { force: true });
    }
  }

  private async openMeta(): Promise<void> {
    const { runDir, runId, options } = this.params;
    if (options) {
      this.meta = {
        format: RUN_FORMAT, id: runId, created: new Date().toISOString(), pid: process.pid, status: 'running',
        options: { ...options, out: runDir }, labels: { ...(this.params.labels ?? {}) }, step: 0, totalSteps: 0, best: {}, bestLoss: null,
      };
      writeRunMeta(runDir, this.meta);
      return;
    }
    const meta = await readRunMeta(runDir);
    if (!meta) throw new Error(`${join(runDir, 'run.json')}: not a Sentence Lens run folder (run.json is missing or unreadable)`);
    const { entries } = await readEvents(runDir);
    this.seq = (entries.at(-1)?.seq ?? -1) + 1;
    this.meta = { ...meta, pid: process.pid, status: 'running', message: undefined };
    writeRunMeta(runDir, this.meta);
  }

  private onEvent(e: TrainEvent): void {
    if (e.type === 'progress') {
      const point = this.points.add(e);
      if (point) this.append(point);
    }
    this.display.emit(e);
  }

  private logEvent(e: TrainEvent): void {
    this.append(e);
    if (e.type === 'evaluation' && e.improved) {
      const best = Object.fromEntries(Object.entries(e.report.tasks).map(([t, m]) => [t, { accuracy: m.accuracy, macroF1: m.macroF1 }]));
      this.update({ best, bestLoss: e.report.loss, step: e.step });
    } else if (e.type === 'checkpoint') this.update({ step: e.step });
    else if (e.type === 'progress' && e.totalSteps !== this.meta.totalSteps) this.update({ totalSteps: e.totalSteps, step: e.step });
  }

  private async finish(r: TrainResult): Promise<void> {
    const point = this.points.flush();
    if (point) this.append(point);
    await this.display.flush();
    this.append({ type: 'ended', status: r.status, ...(r.message ? { message: r.message } : {}), step: r.step, totalSteps: r.totalSteps, elapsedSeconds: r.elapsedSeconds });
    this.update({ status: r.status, pid: null, step: r.step, totalSteps: r.totalSteps, ...(r.message ? { message: r.message } : {}) });
  }

  private append(event: RunEvent): void {
    const entry: RunLogEntry = { seq: this.seq++, t: Date.now(), event };
    // Synchronous on purpose: this process exists for the run, and the log must keep event order
    // and survive the process being killed right after.
    appendFileSync(join(this.params.runDir, EVENTS_FILE), `${JSON.stringify(entry)}\n`);
    this.send(entry);
  }

  private update(patch: Partial<RunMeta>): void {
    this.meta = { ...this.meta, ...patch };
    writeRunMeta(this.params.runDir, this.meta);
  }
}
