/**
 * Evaluates a model's task heads on a labelled CSV: a run in which nothing trains, over every
 * row, with the heads' label vocabularies (a label they do not know is an error, or a skipped
 * row with onBadRow 'skip').
 */
import type { DownloadOptions } from '../hub.js';
import { SentenceLensError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTasksFile } from '../model/tasks-file.js';
import { resolveModelSource } from '../model/source.js';
import type { DeviceSetting } from '../runtime/device.js';
import type { EvalReport } from './evaluate.js';
import type { TrainEvent } from './events.js';
import { train } from './trainer.js';

export interface EvaluateModelOptions {
  readonly csv: string;
  readonly model: string;
  readonly textColumn?: string;
  /** Task → column; default: each head's task from the column of the same name. */
  readonly tasks?: Record<string, string>;
  readonly batchSize?: number;
  readonly maxLength?: number;
  readonly device?: DeviceSetting;
  readonly onBadRow?: 'error' | 'skip';
}

export interface EvaluateModelResult {
  readonly model: string;
  readonly csv: string;
  readonly device: string;
  readonly metrics: EvalReport;
  readonly warnings: number;
  readonly skipped: number;
}

export async function evaluateModel(
  options: EvaluateModelOptions,
  ctx: { onEvent?: (e: TrainEvent) => void; download?: DownloadOptions; signal?: AbortSignal } = {},
): Promise<EvaluateModelResult> {
  // Only the task list is needed here; the run below loads the weights.
  const source = await resolveModelSource(options.model, ctx.download ?? {});
  const tasksPath = source.headsDir ? join(source.headsDir, 'tasks.json') : undefined;
  const heads = tasksPath ? parseTasksFile(JSON.parse(await readFile(tasksPath, 'utf8')), tasksPath).tasks : [];
  if (heads.length === 0) {
    throw new SentenceLensError('MISSING_FILE', `${options.model} has no task heads (tasks.json and heads.safetensors); evaluate a checkpoint written by "sentence-lens train"`);
  }
  const tasks = options.tasks ?? Object.fromEntries(heads.map((t) => [t.name, t.name]));
  for (const name of Object.keys(tasks)) {
    if (!heads.some((t) => t.name === name)) {
      throw new SentenceLensError('BAD_ARGUMENT', `task '${name}' has no head in ${options.model}; its heads are ${heads.map((t) => `'${t.name}'`).join(', ')}`);
    }
  }
  const r = await train(
    {
      csv: options.csv, model: options.model, out: '(not written)', freeze: 'all', valSplit: 0, tasks,
      textColumn: options.textColumn, batchSize: options.batchSize, maxLength: options.maxLength, device: options.device, onBadRow: options.onBadRow,
    },
    ctx,
  );
  return { model: options.model, csv: options.csv, device: r.device, metrics: r.metrics!, warnings: r.warnings, skipped: r.skipped };
}
