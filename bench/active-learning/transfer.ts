/**
 * The transfer setting of the active-learning simulation: a backbone that is a good sentence
 * encoder but never saw the measured task's labels, as a person's pretrained model is when they
 * teach it a task of their own. The offline model's recipe (masked-LM stage, then fine-tuning with
 * the contrastive objective) fine-tunes on the *other* task only; the simulation then labels the
 * measured task alone. Built once into .cache/active-learning/fine-tuned-on-<task>/ (6–7 min
 * each on two cores); resumable like the offline build.
 */
import { join } from 'node:path';
import { RECIPE } from '../../scripts/offline-model/config.js';
import { type StageContext, type TaskName, buildCorpus, runFineTune } from '../../scripts/offline-model/stages.js';
import type { Backbone, LabelledData } from './data.js';

export const TRANSFER_TASKS: readonly TaskName[] = ['topic', 'sentiment'];

const otherTask = (t: TaskName): TaskName => (t === 'topic' ? 'sentiment' : 'topic');

/** The masked-LM backbone fine-tuned on every task but `measured`. */
export async function otherTaskBackbone(root: string, maskedLmDir: string, measured: TaskName, signal: AbortSignal): Promise<Backbone> {
  const trainedOn = otherTask(measured);
  const work = join(root, '.cache', 'active-learning', `fine-tuned-on-${trainedOn}`);
  const log = (line: string) => console.log(`[${trainedOn}-only fine-tuning] ${line}`);
  const ctx: StageContext = { root, work, recipe: RECIPE, signal, log, tasks: [trainedOn] };
  await buildCorpus(ctx);
  const { dir, info } = await runFineTune(ctx, maskedLmDir);
  return {
    name: `fine-tuned on ${trainedOn}, measured on ${measured}`,
    description: `the offline model's recipe with fine-tuning on ${trainedOn} labels only (and the contrastive pairs), so it never saw a ${measured} label: ${dir} (fine-tuning: ${JSON.stringify(info)})`,
    dir,
  };
}

/** The data with one task: the simulated person labels only that task. */
export function onlyTask(data: LabelledData, task: TaskName): LabelledData {
  const keep = (labels: LabelledData['pool']['labels']) => labels.map((y) => ({ [task]: y[task] ?? null }));
  return {
    tasks: data.tasks.filter((t) => t.name === task),
    pool: { texts: data.pool.texts, labels: keep(data.pool.labels) },
    test: { texts: data.test.texts, labels: keep(data.test.labels) },
  };
}
