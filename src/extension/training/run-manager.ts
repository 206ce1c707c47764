/**
 * The workspace's training runs as the extension sees them, free of `vscode`: starts a run in
 * its own trainer process, stops and resumes it, and lets any number of watchers (the panel,
 * the status bar, a notification) follow a run's event log: the whole history first, then each
 * new entry. Entries come as notifications from a trainer this window started, or, for a run
 * that outlived a window reload, by reading on in its events.jsonl.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainOptions } from '../../engine/train/trainer-options.js';
import type { DeviceSetting } from '../../protocol.js';
import {
  checkpointsOf,
  effectiveStatus,
  isAlive,
  listRuns,
  newRunId,
  readEvents,
  readRunMeta,
  type RunLogEntry,
  type RunMeta,
  type RunStatus,
  STOP_FILE,
} from '../../runs/run-folder.js';
import { ClientError } from '../server-client.js';
import { TrainerProcess } from './trainer-client.js';

export interface RunManagerOptions {
  readonly trainerPath: string;
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** How often the log of a run this window did not start is read on (default 1000 ms). */
  readonly pollMs?: number;
}

export type RunListener = (entries: readonly RunLogEntry[], reset: boolean) => void;

export interface RunProgress {
  readonly dir: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly phase: string;
}

interface Watcher {
  seen: number;
  readonly listener: RunListener;
}

interface Tracked {
  readonly dir: string;
  proc?: TrainerProcess;
  offset: number;
  poll?: NodeJS.Timeout;
  readonly watchers: Set<Watcher>;
  progress?: RunProgress;
  ended: boolean;
}

export class RunManager {
  private readonly tracked = new Map<string, Tracked>();
  private readonly changeListeners = new Set<() => void>();
  private readonly progressListeners = new Set<() => void>();

  constructor(private readonly opts: RunManagerOptions) {}

  /** Called when a run starts or ends, or one is deleted (for the runs list). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  /** Called when a followed run makes progress, starts or ends (for the status bar). */
  onDidProgress(listener: () => void): { dispose(): void } {
    this.progressListeners.add(listener);
    return { dispose: () => this.progressListeners.delete(listener) };
  }

  /** Runs in progress that this window follows, with their latest progress. */
  progress(): RunProgress[] {
    return [...this.tracked.values()].flatMap((t) => (t.progress && !t.ended ? [t.progress] : []));
  }

  /** Starts a new run in `runsDir`; resolves once its trainer has written run.json. */
  async start(runsDir: string, options: Omit<TrainOptions, 'out'>, labels: Record<string, string>): Promise<{ id: string; dir: string }> {
    const id = newRunId();
    const dir = join(runsDir, id);
    await mkdir(dir, { recursive: true });
    try {
      await this.launch(dir, { runDir: dir, runId: id, options: { ...options, out: dir }, labels });
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    return { id, dir };
  }

  /** Continues a stopped or interrupted run from its `last` checkpoint, in the same folder. */
  async resume(dir: string, device?: DeviceSetting): Promise<void> {
    const meta = await readRunMeta(dir);
    if (!meta) throw new ClientError('MISSING_FILE', `${dir} is not a run folder (no run.json)`);
    if (effectiveStatus(meta) === 'running') throw new ClientError('BAD_ARGUMENT', `run ${meta.id} is still running`);
    if (!checkpointsOf(dir).includes('last')) throw new ClientError('MISSING_FILE', `run ${meta.id} has no 'last' checkpoint to resume from`);
    await this.launch(dir, { runDir: dir, runId: meta.id, ...(device ? { device } : {}) });
  }

  /**
   * Ends a run after the step in progress (the trainer saves `last`). A run this window started
   * is asked over RPC; one that outlived a reload is asked with the stop file. Resolves when it
   * has ended.
   */
  async stop(dir: string, timeoutMs = 10 * 60_000): Promise<void> {
    const t = this.tracked.get(dir);
    if (t?.proc?.alive) {
      await t.proc.stopRun().catch((e: unknown) => {
        if (!(e instanceof ClientError && e.code === 'SERVER_DIED')) throw e;
      });
      await t.proc.exited;
      return;
    }
    const meta = await readRunMeta(dir);
    if (!meta || effectiveStatus(meta) !== 'running') return;
    await writeFile(join(dir, STOP_FILE), `${new Date().toISOString()}\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await readRunMeta(dir);
      if (!now || effectiveStatus(now) !== 'running') break;
      if (Date.now() > deadline) throw new ClientError('INTERNAL', `run ${meta.id} did not stop within ${Math.round(timeoutMs / 1000)} s (pid ${meta.pid})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.readOn(this.track(dir));
  }

  /**
   * Follows a run: `listener` gets the whole history (reset = true), then every new entry.
   * A run still running whose trainer this window did not start is followed by reading its log.
   */
  async watch(dir: string, listener: RunListener): Promise<{ dispose(): void }> {
    const t = this.track(dir);
    const w: Watcher = { seen: -1, listener };
    const { entries } = await readEvents(dir);
    w.seen = entries.at(-1)?.seq ?? -1;
    t.watchers.add(w);
    listener(entries, true);
    const meta = await readRunMeta(dir);
    if (meta && effectiveStatus(meta) === 'running' && !t.proc?.alive) this.follow(t, entries);
    return { dispose: () => t.watchers.delete(w) };
  }

  /** Re-attaches to every run in `runsDir` whose trainer is still working (after a window reload). */
  async attachRunning(runsDir: string): Promise<void> {
    for (const { dir, meta } of await listRuns(runsDir)) {
      if (effectiveStatus(meta) !== 'running') continue;
      const t = this.track(dir);
      if (t.proc?.alive || t.poll) continue;
      const { entries } = await readEvents(dir);
      this.follow(t, entries);
    }
  }

  async delete(dir: string): Promise<void> {
    const meta = await readRunMeta(dir);
    if (meta && effectiveStatus(meta) === 'running') throw new ClientError('BAD_ARGUMENT', `run ${meta.id} is running; stop it first`);
    this.untrack(dir);
    await rm(dir, { recursive: true, force: true });
    this.changed();
  }

  /** Lets go of every trainer: runs go on in their own processes; the next window re-attaches. */
  dispose(): void {
    for (const dir of [...this.tracked.keys()]) this.untrack(dir);
    this.changeListeners.clear();
    this.progressListeners.clear();
  }

  private async launch(dir: string, params: Parameters<TrainerProcess['startRun']>[0]): Promise<void> {
    const t = this.track(dir);
    t.ended = false;
    t.progress = undefined;
    // Entries before this start were written by an earlier process; read from the end of them.
    t.offset = (await readEvents(dir, t.offset)).end;
    const proc = new TrainerProcess({
      trainerPath: this.opts.trainerPath,
      log: this.opts.log,
      env: this.opts.env,
      onRunEvent: (p) => this.deliver(t, [p.entry]),
    });
    t.proc = proc;
    void proc.exited.then(async () => {
      // Anything the process logged but could not send (it crashed) is in the file.
      await this.readOn(t);
      t.ended = true;
      if (t.proc === proc) t.proc = undefined;
      this.changed();
    });
    try {
      await proc.startRun(params);
    } catch (e) {
      proc.kill();
      throw e;
    }
    this.changed();
  }

  private track(dir: string): Tracked {
    let t = this.tracked.get(dir);
    if (!t) {
      t = { dir, offset: 0, watchers: new Set(), ended: false };
      this.tracked.set(dir, t);
    }
    return t;
  }

  private untrack(dir: string): void {
    const t = this.tracked.get(dir);
    if (!t) return;
    if (t.poll) clearInterval(t.poll);
    t.proc?.release();
    t.watchers.clear();
    this.tracked.delete(dir);
  }

  /** Reads on in the log of a run this window did not start, until it ends. */
  private follow(t: Tracked, known: readonly RunLogEntry[]): void {
    for (const e of known) this.noteProgress(t, e);
    if (t.poll) return;
    t.poll = setInterval(() => {
      void this.readOn(t).then(async () => {
        const meta = await readRunMeta(t.dir);
        if (!meta || effectiveStatus(meta) !== 'running') {
          await this.readOn(t);
          clearInterval(t.poll);
          t.poll = undefined;
          t.ended = true;
          this.changed();
        }
      });
    }, this.opts.pollMs ?? 1000);
    t.poll.unref?.();
  }

  private async readOn(t: Tracked): Promise<void> {
    const { entries, end } = await readEvents(t.dir, t.offset);
    t.offset = end;
    if (entries.length) this.deliver(t, entries);
  }

  private deliver(t: Tracked, entries: readonly RunLogEntry[]): void {
    let progressed = false;
    let lifecycle = false;
    for (const e of entries) {
      const what = this.noteProgress(t, e);
      progressed ||= what !== undefined;
      lifecycle ||= what === 'lifecycle';
    }
    for (const w of t.watchers) {
      const fresh = entries.filter((e) => e.seq > w.seen);
      if (fresh.length === 0) continue;
      w.seen = fresh.at(-1)!.seq;
      w.listener(fresh, false);
    }
    if (progressed) for (const l of this.progressListeners) l();
    if (lifecycle) this.changed();
  }

  /** Keeps the run's latest progress; says whether the entry was progress or a start or end. */
  private noteProgress(t: Tracked, e: RunLogEntry): 'progress' | 'lifecycle' | undefined {
    const ev = e.event;
    if (ev.type === 'progress') {
      t.progress = { dir: t.dir, step: ev.step, totalSteps: ev.totalSteps, phase: ev.phase };
      return 'progress';
    }
    if (ev.type === 'ended' || ev.type === 'failed' || ev.type === 'started') {
      t.ended = ev.type !== 'started';
      return 'lifecycle';
    }
    return undefined;
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
    for (const l of this.progressListeners) l();
  }
}

export interface RunRow {
  readonly dir: string;
  readonly meta: RunMeta;
  readonly status: RunStatus;
  readonly checkpoints: ('best' | 'last')[];
}

/** The runs in `runsDir`, newest first, with the status a dead trainer implies. */
export async function runRows(runsDir: string): Promise<RunRow[]> {
  return (await listRuns(runsDir)).map(({ dir, meta }) => ({ dir, meta, status: effectiveStatus(meta, isAlive), checkpoints: checkpointsOf(dir) }));
}
