/** A training run's options: plain JSON (saved in training_state.json), defaults and checks. */
import { DEFAULT_MAX_LENGTH } from '../choices.js';
import { SentenceLensError } from '../errors.js';
import type { Pooling } from '../model/pooling.js';
import { type DeviceSetting, parseDevice } from '../runtime/device.js';
import { parseFreezePolicy } from './freeze.js';
import type { DecayKind } from './schedule.js';

export interface TrainOptions {
  /** The training CSV. */
  readonly csv: string;
  /** Hub id, model folder or checkpoint to start from. */
  readonly model: string;
  /** Run folder: checkpoints go to `<out>/best` and `<out>/last`. */
  readonly out: string;
  readonly textColumn?: string;
  /** Task name → label column; default: guessed from the header. */
  readonly tasks?: Record<string, string>;
  /** A separate validation CSV; otherwise `valSplit` of the train CSV (default 0.1). */
  readonly val?: string;
  readonly valSplit?: number;
  /** none | backbone | embeddings | bottom:K | all (default none). */
  readonly freeze?: string;
  readonly freezeHeads?: readonly string[];
  readonly lossWeights?: Readonly<Record<string, number>>;
  /** Default 3; `maxSteps`, when given, decides the length instead (as in Hugging Face). */
  readonly epochs?: number;
  readonly maxSteps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  /** Layer-wise LR decay in (0, 1]; 1 (default) is off. */
  readonly layerLrDecay?: number;
  readonly optimizer?: 'adamw' | 'sgd';
  /** Default 0.01 for AdamW, 0 for SGD. */
  readonly weightDecay?: number;
  /** Warmup: a fraction of the run when < 1, else a number of steps (default 0). */
  readonly warmup?: number;
  readonly decay?: DecayKind;
  /** Global gradient-norm clip (default 1; 0 turns clipping off). */
  readonly maxGradNorm?: number;
  /** Dropout rate at every site the config enables; 0 turns it off; default: the config's. */
  readonly dropout?: number;
  readonly maxLength?: number;
  readonly seed?: number;
  readonly shuffle?: boolean;
  readonly device?: DeviceSetting;
  readonly onBadRow?: 'error' | 'skip';
  readonly gradAccum?: number;
  /** Also evaluate every N optimizer steps (0: only at the end of each epoch). */
  readonly evalEvery?: number;
  /** Stop after this many evaluations in a row without a lower validation loss. */
  readonly patience?: number;
  readonly pooling?: Pooling;
  /**
   * Domain adaptation: masked-LM pretraining on these unlabelled text files (.txt/.md, folders,
   * CSVs) before fine-tuning, starting from `model`; the adapted backbone is then fine-tuned.
   */
  readonly adapt?: readonly string[];
  /** Epochs of adaptation over the text (default 1). */
  readonly adaptEpochs?: number;
  /**
   * dtype of a full checkpoint's model.safetensors: float32 (default), or `source`: what the
   * base model was stored in (F16/BF16 weights are trained in fp32 and rounded back on save).
   */
  readonly saveDtype?: 'float32' | 'source';
  /**
   * Sentence pairs (CSV with sentence,paraphrase columns) for the contrastive objective: each
   * step adds `pairsPerStep` of them to its batch and the in-batch ranking loss of their
   * embeddings joins the task losses, so fine-tuning keeps paraphrases close in the embedding
   * space. A pair of two identical texts trains as unsupervised SimCSE.
   */
  readonly pairs?: string;
  /** Pairs per step (default 32). */
  readonly pairsPerStep?: number;
  /** Weight of the ranking loss beside each task's (default 1). */
  readonly pairWeight?: number;
  /** Scale (1/temperature) of the cosine similarities (default 20, as sentence-transformers). */
  readonly pairScale?: number;
}

export const PAIR_DEFAULTS = { pairsPerStep: 32, pairWeight: 1, pairScale: 20 } as const;

type Optional = 'textColumn' | 'tasks' | 'val' | 'maxSteps' | 'dropout' | 'patience' | 'pooling' | 'adapt' | 'pairs' | 'pairsPerStep' | 'pairWeight' | 'pairScale';
export type ResolvedTrainOptions = Required<Omit<TrainOptions, Optional>> & Pick<TrainOptions, Optional>;

/** Epochs of domain adaptation over the text unless told otherwise. */
export const DEFAULT_ADAPT_EPOCHS = 1;

function bad(msg: string): never {
  throw new SentenceLensError('BAD_ARGUMENT', msg);
}

const posInt = (name: string, v: number | undefined, min = 1): void => {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= min)) bad(`${name} must be a whole number ≥ ${min}, got ${v}`);
};
const nonNeg = (name: string, v: number | undefined): void => {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) bad(`${name} must be a finite number ≥ 0, got ${v}`);
};

export function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions {
  if (!o.csv) bad('a training CSV is required');
  if (!o.model) bad('a model is required (hub id, model folder or checkpoint)');
  if (!o.out) bad('an output folder is required');
  posInt('epochs', o.epochs);
  posInt('max steps', o.maxSteps);
  posInt('batch size', o.batchSize);
  posInt('max length', o.maxLength, 2);
  posInt('gradient accumulation', o.gradAccum);
  posInt('eval every', o.evalEvery, 0);
  posInt('patience', o.patience);
  posInt('adaptation epochs', o.adaptEpochs);
  posInt('pairs per step', o.pairsPerStep, 2);
  nonNeg('pair loss weight', o.pairWeight);
  if (o.pairScale !== undefined && !(Number.isFinite(o.pairScale) && o.pairScale > 0)) bad(`pair scale must be a finite number > 0, got ${o.pairScale}`);
  if (o.pairs === undefined && (o.pairsPerStep ?? o.pairWeight ?? o.pairScale) !== undefined) bad('pairs per step, pair weight and pair scale need a pairs file');
  if (o.adapt !== undefined && (o.adapt.length === 0 || o.adapt.some((f) => typeof f !== 'string' || f === ''))) bad('adapt needs one or more text files or folders to pretrain on');
  nonNeg('learning rate', o.lr);
  nonNeg('weight decay', o.weightDecay);
  nonNeg('warmup', o.warmup);
  nonNeg('max gradient norm', o.maxGradNorm);
  if (o.warmup !== undefined && o.warmup >= 1 && !Number.isInteger(o.warmup)) bad(`warmup must be a fraction below 1 or a whole number of steps, got ${o.warmup}`);
  if (o.valSplit !== undefined && !(o.valSplit >= 0 && o.valSplit < 1)) bad(`validation split must be in [0, 1), got ${o.valSplit}`);
  if (o.val !== undefined && o.valSplit !== undefined) bad('give either a validation CSV or a validation split, not both');
  if (o.dropout !== undefined && !(o.dropout >= 0 && o.dropout < 1)) bad(`dropout must be in [0, 1), got ${o.dropout}`);
  if (o.layerLrDecay !== undefined && !(o.layerLrDecay > 0 && o.layerLrDecay <= 1)) bad(`layer-wise LR decay must be in (0, 1], got ${o.layerLrDecay}`);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) bad(`seed must be a whole number, got ${o.seed}`);
  if (o.optimizer !== undefined && o.optimizer !== 'adamw' && o.optimizer !== 'sgd') bad(`unknown optimizer "${String(o.optimizer)}"; accepted: adamw, sgd`);
  if (o.onBadRow !== undefined && o.onBadRow !== 'error' && o.onBadRow !== 'skip') bad(`on bad row must be error or skip, got "${String(o.onBadRow)}"`);
  if (o.saveDtype !== undefined && o.saveDtype !== 'float32' && o.saveDtype !== 'source') bad(`save dtype must be float32 or source, got "${String(o.saveDtype)}"`);
  for (const [t, w] of Object.entries(o.lossWeights ?? {})) nonNeg(`loss weight of task '${t}'`, w);
  parseFreezePolicy(o.freeze ?? 'none');
  if (o.device !== undefined) parseDevice(o.device);
  const optimizer = o.optimizer ?? 'adamw';
  return {
    ...o,
    valSplit: o.val !== undefined ? 0 : (o.valSplit ?? 0.1),
    freeze: o.freeze ?? 'none',
    freezeHeads: [...(o.freezeHeads ?? [])],
    lossWeights: { ...(o.lossWeights ?? {}) },
    epochs: o.epochs ?? 3,
    batchSize: o.batchSize ?? 16,
    lr: o.lr ?? 5e-5,
    layerLrDecay: o.layerLrDecay ?? 1,
    optimizer,
    weightDecay: o.weightDecay ?? (optimizer === 'adamw' ? 0.01 : 0),
    warmup: o.warmup ?? 0,
    decay: o.decay ?? 'linear',
    maxGradNorm: o.maxGradNorm ?? 1,
    maxLength: o.maxLength ?? DEFAULT_MAX_LENGTH,
    seed: o.seed ?? 42,
    shuffle: o.shuffle ?? true,
    device: o.device ?? 'auto',
    onBadRow: o.onBadRow ?? 'error',
    gradAccum: o.gradAccum ?? 1,
    evalEvery: o.evalEvery ?? 0,
    saveDtype: o.saveDtype ?? 'float32',
    adaptEpochs: o.adaptEpochs ?? DEFAULT_ADAPT_EPOCHS,
  };
}
