/**
 * `tasks.json` + `heads.safetensors`: the task heads that sit on a backbone. tasks.json names
 * each task and its labels in output order, so label indices mean the same everywhere.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../weights/safetensors.js';
import type { Tensor } from './tensor.js';
import { checkHeadWeights, type TaskSpec, validateTask } from './heads.js';
import { isPooling, POOLINGS, type Pooling } from '../choices.js';

export const TASKS_FORMAT = 1;

export interface TasksFile {
  readonly format: number;
  readonly tasks: readonly TaskSpec[];
  /** Pooling the heads were trained on; inference must use the same. */
  readonly pooling?: Pooling;
  /** For heads-only checkpoints: the backbone they belong to. */
  readonly base?: { readonly modelId?: string; readonly commit?: string; readonly path?: string };
}

export function parseTasksFile(json: unknown, source: string): TasksFile {
  const o = json as Partial<TasksFile> | null;
  if (!o || typeof o !== 'object') throw new SentenceLensError('BAD_CONFIG', `${source}: expected a JSON object`);
  if (o.format !== TASKS_FORMAT) {
    throw new SentenceLensError('UNSUPPORTED', `${source}: format ${JSON.stringify(o.format)} is not supported; this version of Sentence Lens reads format ${TASKS_FORMAT}`);
  }
  if (!Array.isArray(o.tasks) || o.tasks.length === 0) throw new SentenceLensError('BAD_CONFIG', `${source}: "tasks" must be a non-empty list`);
  for (const t of o.tasks) {
    if (!t || typeof t.name !== 'string' || !Array.isArray(t.labels) || !t.labels.every((l: unknown) => typeof l === "string")) {
      throw new SentenceLensError('BAD_CONFIG', `${source}: each task needs "name" (string) and "labels" (list of strings)`);
    }
    validateTask(t, source);
  }
  if (o.pooling !== undefined && !isPooling(o.pooling)) {
    throw new SentenceLensError('BAD_CONFIG', `${source}: pooling must be one of ${POOLINGS.map((p) => `"${p}"`).join(', ')}`);
  }
  return o as TasksFile;
}

export function hasHeads(dir: string): boolean {
  return existsSync(join(dir, 'tasks.json')) && existsSync(join(dir, 'heads.safetensors'));
}

export async function readHeads(dir: string, hidden: number): Promise<{ tasksFile: TasksFile; weights: Map<string, Tensor> }> {
  const tasksPath = join(dir, 'tasks.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(tasksPath, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SentenceLensError('MISSING_FILE', `${tasksPath} not found`);
    throw new SentenceLensError('BAD_CONFIG', `${tasksPath}: not valid JSON (${(e as Error).message})`);
  }
  const tasksFile = parseTasksFile(json, tasksPath);
  const headsPath = join(dir, 'heads.safetensors');
  const { tensors } = await readSafetensors(headsPath);
  checkHeadWeights(tasksFile.tasks, hidden, tensors, headsPath);
  return { tasksFile, weights: tensors };
}

/** Writes both files, each atomically (temp + rename). */
export async function writeHeads(dir: string, tasksFile: Omit<TasksFile, 'format'>, weights: ReadonlyMap<string, Tensor>): Promise<void> {
  await writeSafetensors(join(dir, 'heads.safetensors'), [...weights].map(([n, t]) => [n, { shape: [...t.shape], data: t.data }] as [string, { shape: number[]; data: Float32Array }]));
  const path = join(dir, 'tasks.json');
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ format: TASKS_FORMAT, ...tasksFile }, null, 2) + '\n');
  await rename(tmp, path);
}
