/**
 * What a checkpoint needs, beyond the weights, to resume a run exactly:
 *   training_state.safetensors   optimizer moments (`exp_avg/<param>`, `exp_avg_sq/<param>`, …)
 *   training_state.json          position (step, epoch, batch within epoch), schedule, seed,
 *                                the train/validation split by line, options, label
 *                                vocabularies, metrics history, early-stopping state
 * Randomness is a pure function of the seed: dropout masks of micro-batch i of step k come from
 * dropoutSeed(seed, k·gradAccum + i), an epoch's batch order from epochSeed(seed, epoch), so the
 * seed and the position are the whole RNG state.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../weights/safetensors.js';
import type { EvalReport } from './evaluate.js';
import type { OptimizerState, OptimizerStateJson } from './optimizer.js';
import type { ResolvedTrainOptions } from './trainer-options.js';

export const STATE_JSON = 'training_state.json';
export const STATE_TENSORS = 'training_state.safetensors';
export const STATE_FORMAT = 1;

export interface EvalRecord {
  readonly step: number;
  readonly epoch: number;
  readonly report: EvalReport;
}

export interface TrainLossRecord {
  readonly step: number;
  readonly loss: number;
  readonly losses: Record<string, number>;
}

export interface TrainingStateJson {
  readonly format: number;
  /** Absent for fine-tuning; 'pretrain' for a masked-LM run (pretrain/pretrain-state.ts), which `train` cannot resume. */
  readonly kind?: 'pretrain';
  readonly options: ResolvedTrainOptions;
  readonly position: { readonly step: number; readonly epoch: number; readonly batchInEpoch: number };
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly schedule: { readonly baseLr: number; readonly totalSteps: number; readonly warmupSteps: number; readonly decay: string };
  readonly rng: { readonly seed: number; readonly dropout: string; readonly batchOrder: string };
  readonly data: { readonly trainCsv: string; readonly valCsv?: string; readonly trainLines: number[]; readonly valLines: number[]; readonly fingerprint: string };
  readonly tasks: { readonly name: string; readonly column: string; readonly labels: string[] }[];
  readonly history: { readonly evals: EvalRecord[]; readonly train: TrainLossRecord[] };
  readonly earlyStopping: { readonly bestLoss: number | null; readonly bestStep: number | null; readonly badEvals: number };
  readonly elapsedSeconds: number;
  readonly optimizer: OptimizerStateJson;
}

export async function writeTrainingState(dir: string, json: Readonly<{ format: number }>, optimizer: OptimizerState): Promise<void> {
  await writeSafetensors(join(dir, STATE_TENSORS), [...optimizer.tensors].map(([n, d]) => [n, { shape: [d.length], data: d }] as [string, { shape: number[]; data: Float32Array }]));
  const path = join(dir, STATE_JSON);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(json) + '\n');
  await rename(tmp, path);
}

export function hasTrainingState(dir: string): boolean {
  return existsSync(join(dir, STATE_JSON)) && existsSync(join(dir, STATE_TENSORS));
}

export async function readTrainingState(dir: string): Promise<{ json: TrainingStateJson; optimizer: OptimizerState }> {
  const path = join(dir, STATE_JSON);
  if (!hasTrainingState(dir)) {
    throw new SentenceLensError('MISSING_FILE', `${dir}: no ${STATE_JSON} and ${STATE_TENSORS}; resume from a run's "last" checkpoint (or its run folder)`);
  }
  let json: TrainingStateJson;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as TrainingStateJson;
  } catch (e) {
    throw new SentenceLensError('BAD_CONFIG', `${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (json.format !== STATE_FORMAT) {
    throw new SentenceLensError('UNSUPPORTED', `${path}: format ${JSON.stringify(json.format)} is not supported; this version resumes format ${STATE_FORMAT}`);
  }
  const { tensors } = await readSafetensors(join(dir, STATE_TENSORS));
  const moments = new Map([...tensors].map(([n, t]) => [n, t.data]));
  return { json, optimizer: { tensors: moments, json: json.optimizer } };
}

/** `dir` may be the run folder (with last/) or the checkpoint itself. */
export function resumeCheckpointDir(dir: string): string {
  if (hasTrainingState(dir)) return dir;
  if (hasTrainingState(join(dir, 'last'))) return join(dir, 'last');
  throw new SentenceLensError('MISSING_FILE', `${dir}: no training state here or in ${join(dir, 'last')}; expected a run folder or a "last" checkpoint written by sentence-lens train`);
}

/** A hash of the examples' text and labels, in order: a resumed run checks it sees the same data. */
export function dataFingerprint(parts: readonly { readonly text: string; readonly labels: Readonly<Record<string, number | null>> }[][]): string {
  const h = createHash('sha256');
  for (const list of parts) {
    for (const e of list) h.update(`${e.text}\u0000${JSON.stringify(e.labels)}\u0001`);
    h.update('\u0002');
  }
  return h.digest('hex').slice(0, 32);
}
