/**
 * Everything a run needs before its first step: the model (and any heads it already has),
 * the data (read, split, tokenized), the task heads, the parameters and what of them trains.
 * A resumed run takes the model from its last checkpoint and the split and vocabularies from
 * its training state, so it sees exactly what the interrupted run saw.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Dataset, loadDataset } from '../data/dataset.js';
import { type PairSet, readPairsCsv } from '../data/pairs.js';
import { SentenceLensError } from '../errors.js';
import type { DownloadOptions } from '../hub.js';
import type { Tensor } from '../model/tensor.js';
import { maxSequenceLength } from '../model/architectures.js';
import { initHeadWeights, type TaskSpec } from '../model/heads.js';
import { type LoadedModel, loadModel } from '../model/load.js';
import type { Pooling } from '../model/pooling.js';
import { resolveModelSource } from '../model/source.js';
import { describeFreeze, type FreezePolicy, isTrainableFor, nothingToTrainMessage, parseFreezePolicy } from './freeze.js';
import { ParameterSet } from './step.js';
import type { ResolvedTrainOptions } from './trainer-options.js';
import type { TrainingStateJson } from './training-state.js';

export interface RunSetup {
  readonly options: ResolvedTrainOptions;
  readonly model: LoadedModel;
  readonly dataset: Dataset;
  readonly tasks: TaskSpec[];
  readonly pooling: Pooling;
  readonly params: ParameterSet;
  readonly shapes: Map<string, number[]>;
  readonly policy: FreezePolicy;
  /** Some backbone tensor trains: checkpoints carry the backbone; else heads only. */
  readonly trainsBackbone: boolean;
  /** Set when nothing trains (freeze=all, or every head frozen with the backbone). */
  readonly nothingToTrain?: string;
  readonly freezeDescription: string;
  /** What a heads-only checkpoint names as its backbone. */
  readonly base: { modelId?: string; commit?: string; path?: string };
  readonly lowercase: boolean;
  /** The contrastive objective's sentence pairs, tokenized (when `pairs` is set). */
  readonly pairs?: PairSet;
}

export async function prepareRun(
  options: ResolvedTrainOptions,
  from: { modelDir?: string; state?: TrainingStateJson },
  download: DownloadOptions,
): Promise<RunSetup> {
  const source = await resolveModelSource(from.modelDir ?? options.model, download);
  const model = await loadModel(source);
  const existing = model.heads;
  const vocab: Record<string, string[]> = {};
  for (const t of existing?.tasksFile.tasks ?? []) vocab[t.name] = [...t.labels];
  for (const t of from.state?.tasks ?? []) vocab[t.name] = [...t.labels];
  const taskColumns = from.state ? Object.fromEntries(from.state.tasks.map((t) => [t.name, t.column])) : options.tasks;

  const dataset = await loadDataset({
    trainCsv: options.csv,
    valCsv: options.val,
    valSplit: options.valSplit,
    seed: options.seed,
    textColumn: options.textColumn,
    tasks: taskColumns,
    labelVocab: vocab,
    onBadRow: options.onBadRow,
    maxLength: Math.min(options.maxLength, maxSequenceLength(model.config)),
    tokenizer: model.tokenizer,
    split: from.state ? { train: from.state.data.trainLines, val: from.state.data.valLines } : undefined,
  });

  const hidden = model.config.hiddenSize;
  const tasks: TaskSpec[] = dataset.tasks.map((t) => {
    const old = existing?.tasksFile.tasks.find((e) => e.name === t.name);
    return { name: t.name, labels: t.labels, ...(old?.hiddenSize ? { hiddenSize: old.hiddenSize } : {}) };
  });
  const heads = new Map<string, Tensor>();
  tasks.forEach((t, i) => {
    const old = existing?.tasksFile.tasks.find((e) => e.name === t.name);
    const fresh = old ? undefined : initHeadWeights([t], hidden, options.seed + 1000 * (i + 1));
    for (const [n, w] of fresh ?? [...existing!.weights].filter(([n]) => n.startsWith(`heads.${t.name}.`))) heads.set(n, w);
  });

  const shapes = new Map<string, number[]>();
  const tensors = new Map<string, Float32Array>();
  // Copies: the optimizer updates these in place, and the loaded arrays may be views of a file buffer.
  for (const [n, t] of [...model.backbone, ...heads]) {
    shapes.set(n, [...t.shape]);
    tensors.set(n, Float32Array.from(t.data));
  }
  const policy = parseFreezePolicy(options.freeze);
  const ctx = { numLayers: model.config.numLayers, frozenHeads: options.freezeHeads };
  const trainable = isTrainableFor(policy, ctx);
  const weightOf = (task: string) => options.lossWeights[task] ?? 1;
  const params = new ParameterSet(tensors, (n) => {
    const head = /^heads\.([^.]+)\./.exec(n);
    // A head whose loss weight is 0 cannot learn; the training graph freezes it too.
    return trainable(n) && !(head && weightOf(head[1]!) === 0);
  });
  const trainsBackbone = params.trainableNames().some((n) => !n.startsWith('heads.'));
  const nothing = params.trainableNames().length === 0 ? (nothingToTrainMessage(policy, ctx, tensors.keys()) ?? 'nothing will train (every task has loss weight 0 or a frozen head); running evaluation only') : undefined;

  const maxLength = Math.min(options.maxLength, model.config.maxPositions);
  const pairs = options.pairs !== undefined ? await readPairsCsv(options.pairs, model.tokenizer, maxLength, options.onBadRow) : undefined;
  if (pairs && !trainsBackbone && !nothing) {
    throw new SentenceLensError('BAD_ARGUMENT', `${options.pairs}: the pair objective shapes the embeddings, so it needs the backbone to train; with freeze "${options.freeze}" only heads train`);
  }
  const base = source.modelId ? { modelId: source.modelId, commit: source.commit } : { path: resolve(source.backboneDir) };
  return {
    options,
    model,
    dataset,
    tasks,
    pooling: options.pooling ?? existing?.tasksFile.pooling ?? 'mean',
    params,
    shapes,
    policy,
    trainsBackbone,
    nothingToTrain: nothing,
    freezeDescription: describeFreeze(policy, ctx, tensors),
    base,
    lowercase: await tokenizerLowercase(model.dir),
    pairs,
  };
}

async function tokenizerLowercase(dir: string): Promise<boolean> {
  try {
    const c = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')) as { do_lower_case?: unknown };
    return c.do_lower_case !== false;
  } catch {
    return true;
  }
}
