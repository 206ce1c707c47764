/** A pretraining run's options: plain JSON (saved in training_state.json), defaults and checks. */
import { DEFAULT_MAX_LENGTH } from '../choices.js';
import { SentenceLensError } from '../errors.js';
import type { BertConfigJson } from '../model/config-json.js';
import { type DeviceSetting, parseDevice } from '../runtime/device.js';
import type { DecayKind } from '../train/schedule.js';
import type { CorpusUnit } from './corpus.js';

export interface PretrainOptions {
  /** Text to pretrain on: .txt/.md files, folders of them, CSV files (see `column`). */
  readonly files: readonly string[];
  /** Hub id or model folder to continue from; with `newVocab`, only its config.json sizes are used. */
  readonly model?: string;
  /** Run folder: checkpoints go to `<out>/best` and `<out>/last`. */
  readonly out: string;
  /** Build a WordPiece vocabulary of this size from the corpus and start from fresh weights. */
  readonly newVocab?: number;
  /** Sizes of a model started from scratch (with newVocab and no model), as config.json fields. */
  readonly config?: Partial<BertConfigJson>;
  /** For a new vocabulary: lowercase the text (default true). */
  readonly lowercase?: boolean;
  /** Examples are lines (default) or Intl.Segmenter sentences. */
  readonly unit?: CorpusUnit;
  /** The text column of CSV sources (default: text or sentence). */
  readonly column?: string;
  /** Fill each sequence with consecutive examples (default true). */
  readonly pack?: boolean;
  /** Tokens per sequence, [CLS] and [SEP] included (default 128). */
  readonly maxLength?: number;
  /** Share of tokens predicted (default 0.15). */
  readonly maskRate?: number;
  /** Mask whole words rather than single WordPiece tokens (default true). */
  readonly wholeWord?: boolean;
  /** Share of the sequences held out to measure perplexity (default 0.05; 0: none). */
  readonly valSplit?: number;
  readonly epochs?: number;
  readonly maxSteps?: number;
  readonly batchSize?: number;
  readonly gradAccum?: number;
  readonly lr?: number;
  readonly warmup?: number;
  readonly decay?: DecayKind;
  readonly optimizer?: 'adamw' | 'sgd';
  readonly weightDecay?: number;
  readonly maxGradNorm?: number;
  /** Dropout rate at every site the config enables; 0 turns it off; default: the config's. */
  readonly dropout?: number;
  readonly seed?: number;
  readonly shuffle?: boolean;
  readonly device?: DeviceSetting;
  readonly evalEvery?: number;
  /** Also save `last` every N steps (default 0: at epoch ends and at the end only). */
  readonly saveEvery?: number;
  readonly patience?: number;
}

export type ResolvedPretrainOptions = Required<Omit<PretrainOptions, 'model' | 'newVocab' | 'config' | 'column' | 'maxSteps' | 'dropout' | 'patience'>> &
  Pick<PretrainOptions, 'model' | 'newVocab' | 'config' | 'column' | 'maxSteps' | 'dropout' | 'patience'> & {
    /** Always 1: layer-wise decay is a fine-tuning tool; the step engine reads it. */
    readonly layerLrDecay: number;
  };

function bad(msg: string): never {
  throw new SentenceLensError('BAD_ARGUMENT', msg);
}
const posInt = (name: string, v: number | undefined, min = 1): void => {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= min)) bad(`${name} must be a whole number ≥ ${min}, got ${v}`);
};
const nonNeg = (name: string, v: number | undefined): void => {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) bad(`${name} must be a finite number ≥ 0, got ${v}`);
};
const share = (name: string, v: number | undefined, max: number): void => {
  if (v !== undefined && !(v >= 0 && v < max)) bad(`${name} must be in [0, ${max}), got ${v}`);
};

export function resolvePretrainOptions(o: PretrainOptions): ResolvedPretrainOptions {
  if (!o.files || o.files.length === 0) bad('pretraining needs text: one or more .txt/.md files, folders or CSV files');
  if (!o.out) bad('an output folder is required');
  if (!o.model && o.newVocab === undefined) bad('give a model to continue from, or --new-vocab N to start from scratch with a new vocabulary');
  posInt('new vocabulary size', o.newVocab, 16);
  posInt('epochs', o.epochs);
  posInt('max steps', o.maxSteps);
  posInt('batch size', o.batchSize);
  posInt('max length', o.maxLength, 3);
  posInt('gradient accumulation', o.gradAccum);
  posInt('eval every', o.evalEvery, 0);
  posInt('save every', o.saveEvery, 0);
  posInt('patience', o.patience);
  nonNeg('learning rate', o.lr);
  nonNeg('weight decay', o.weightDecay);
  nonNeg('warmup', o.warmup);
  nonNeg('max gradient norm', o.maxGradNorm);
  share('mask rate', o.maskRate, 1);
  if (o.maskRate !== undefined && o.maskRate === 0) bad('mask rate must be above 0: with nothing masked there is nothing to predict');
  share('validation split', o.valSplit, 1);
  share('dropout', o.dropout, 1);
  if (o.warmup !== undefined && o.warmup >= 1 && !Number.isInteger(o.warmup)) bad(`warmup must be a fraction below 1 or a whole number of steps, got ${o.warmup}`);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) bad(`seed must be a whole number, got ${o.seed}`);
  if (o.unit !== undefined && o.unit !== 'line' && o.unit !== 'sentence') bad(`unit must be line or sentence, got "${String(o.unit)}"`);
  if (o.optimizer !== undefined && o.optimizer !== 'adamw' && o.optimizer !== 'sgd') bad(`unknown optimizer "${String(o.optimizer)}"; accepted: adamw, sgd`);
  if (o.device !== undefined) parseDevice(o.device);
  const optimizer = o.optimizer ?? 'adamw';
  return {
    ...o,
    files: [...o.files],
    lowercase: o.lowercase ?? true,
    unit: o.unit ?? 'line',
    pack: o.pack ?? true,
    maxLength: o.maxLength ?? DEFAULT_MAX_LENGTH,
    maskRate: o.maskRate ?? 0.15,
    wholeWord: o.wholeWord ?? true,
    valSplit: o.valSplit ?? 0.05,
    epochs: o.epochs ?? 1,
    batchSize: o.batchSize ?? 32,
    gradAccum: o.gradAccum ?? 1,
    // From scratch a higher rate is usual (BERT-small recipes use 5e-4 to 1e-3); continuing, a gentle one.
    lr: o.lr ?? (o.newVocab !== undefined ? 5e-4 : 5e-5),
    warmup: o.warmup ?? 0.06,
    decay: o.decay ?? 'linear',
    optimizer,
    weightDecay: o.weightDecay ?? (optimizer === 'adamw' ? 0.01 : 0),
    maxGradNorm: o.maxGradNorm ?? 1,
    seed: o.seed ?? 42,
    shuffle: o.shuffle ?? true,
    device: o.device ?? 'auto',
    evalEvery: o.evalEvery ?? 0,
    saveEvery: o.saveEvery ?? 0,
    layerLrDecay: 1,
  };
}
