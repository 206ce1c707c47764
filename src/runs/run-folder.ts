/**
 * A training run's folder, as the trainer process writes it and the extension reads it back:
 *
 *   <runs>/<id>/run.json       what the run is: options, status, progress, best metrics
 *                              (rewritten atomically by the trainer as the run goes)
 *   <runs>/<id>/events.jsonl   every event of the run, one JSON object a line, append-only:
 *                              the history a panel redraws after a close or a window reload
 *   <runs>/<id>/best, last     checkpoints (engine/train/trainer.ts)
 *   <runs>/<id>/stop-requested asks a trainer the extension is no longer connected to to stop
 *
 * Shared by both sides, so it imports only node:fs and types.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainEvent } from '../engine/train/events.js';
import type { TrainOptions } from '../engine/train/trainer-options.js';
import type { LossPoint } from '../trainer/loss-points.js';

export const RUN_FILE = 'run.json';
export const EVENTS_FILE = 'events.jsonl';
export const STOP_FILE = 'stop-requested';
export const RUN_FORMAT = 1;

export type RunStatus = 'running' | 'completed' | 'early-stopped' | 'cancelled' | 'evaluated-only' | 'failed' | 'interrupted';

export interface TaskBest {
  readonly accuracy: number;
  readonly macroF1: number;
}

export interface RunMeta {
  readonly format: typeof RUN_FORMAT;
  readonly id: string;
  /** ISO time the run was first started. */
  readonly created: string;
  /** The trainer process while one works on the run. */
  readonly pid: number | null;
  readonly status: RunStatus;
  readonly options: TrainOptions;
  /** Short labels of what differs between runs (freeze, model, data, epochs, lr…), for comparing them. */
  readonly labels: Record<string, string>;
  readonly step: number;
  readonly totalSteps: number;
  /** Metrics per task of the evaluation with the lowest validation loss. */
  readonly best: Record<string, TaskBest>;
  readonly bestLoss: number | null;
  readonly message?: string;
}

/** What the trainer adds to the engine's events: when it started, ended or failed, and chart points. */
export type RunEvent =
  | TrainEvent
  | LossPoint
  | { readonly type: 'started'; readonly resumed: boolean; readonly pid: number }
  | {
      readonly type: 'ended';
      readonly status: RunStatus;
      readonly message?: string;
      readonly step: number;
      readonly totalSteps: number;
      /** The engine's own time for the run (train() start to end), as the CLI reports it. */
      readonly elapsedSeconds: number;
    }
  | { readonly type: 'failed'; readonly message: string; readonly location?: { file: string; line: number; column?: number } };

export interface RunLogEntry {
  /** 0, 1, 2… across the whole run, resumes included: readers skip what they already have. */
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly event: RunEvent;
}

/** Entries of an events.jsonl text; a line cut short by a crash (the last one) is left out. */
export function parseEventLines(text: string): RunLogEntry[] {
  const out: RunLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as RunLogEntry;
      if (typeof e.seq === 'number' && typeof e.t === 'number' && e.event && typeof e.event.type === 'string') out.push(e);
    } catch {
      // A torn write at the end of the file: the entry never completed.
    }
  }
  return out;
}

export async function readRunMeta(dir: string): Promise<RunMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, RUN_FILE), 'utf8')) as RunMeta;
    return meta.format === RUN_FORMAT && typeof meta.id === 'string' ? meta : undefined;
  } catch {
    return undefined;
  }
}

export function readRunMetaSync(dir: string): RunMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8')) as RunMeta;
    return meta.format === RUN_FORMAT ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces run.json whole (temp + rename), so a reader never sees half of it. */
export function writeRunMeta(dir: string, meta: RunMeta): void {
  const tmp = join(dir, `.${RUN_FILE}.tmp-${process.pid}`);
  writeFileSync(tmp, `${JSON.stringify(meta, null, 2)}\n`);
  renameSync(tmp, join(dir, RUN_FILE));
}

/** The event log from byte `from` on (whole lines only), and where that ended: read on from there. */
export async function readEvents(dir: string, from = 0): Promise<{ entries: RunLogEntry[]; end: number }> {
  let handle;
  try {
    handle = await open(join(dir, EVENTS_FILE), 'r');
  } catch {
    return { entries: [], end: from };
  }
  try {
    const size = (await handle.stat()).size;
    if (size <= from) return { entries: [], end: from };
    const buf = Buffer.alloc(size - from);
    const { bytesRead } = await handle.read(buf, 0, buf.length, from);
    // A line being written now is read next time.
    const lastNewline = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (lastNewline < 0) return { entries: [], end: from };
    return { entries: parseEventLines(buf.subarray(0, lastNewline + 1).toString('utf8')), end: from + lastNewline + 1 };
  } finally {
    await handle.close();
  }
}

export function isAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A run whose trainer is gone without saying how it ended was interrupted (killed, crashed). */
export function effectiveStatus(meta: RunMeta, alive: (pid: number | null) => boolean = isAlive): RunStatus {
  return meta.status === 'running' && !alive(meta.pid) ? 'interrupted' : meta.status;
}

/** Run folders under `runsDir` with their metadata, newest first. */
export async function listRuns(runsDir: string): Promise<{ dir: string; meta: RunMeta }[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch {
    return [];
  }
  const runs: { dir: string; meta: RunMeta }[] = [];
  for (const name of names) {
    const dir = join(runsDir, name);
    const meta = await readRunMeta(dir);
    if (meta) runs.push({ dir, meta });
  }
  return runs.sort((a, b) => b.meta.created.localeCompare(a.meta.created));
}

export function checkpointsOf(dir: string): ('best' | 'last')[] {
  return (['best', 'last'] as const).filter((k) => existsSync(join(dir, k, 'tasks.json')));
}

/** A fresh, sortable, readable run id: 2025-01-31T14-05-09-ab12. */
export function newRunId(now = new Date(), random = Math.random): string {
  return `${now.toISOString().slice(0, 19).replace(/:/g, '-')}-${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
