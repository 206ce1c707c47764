/**
 * The training data of one run: the CSV read and checked, split into train and validation
 * (stratified and seeded, or a separate validation file read with the train set's label
 * vocabularies), tokenized once, and cut into length-bucketed batches whose order is a pure
 * function of (seed, epoch), so an epoch's order is the same when a run is resumed.
 */
import { SentenceLensError } from '../errors.js';
import { Rng } from '../random.js';
import { type CsvIssue, readTrainingCsv, type TrainingRow, type TrainingTask } from './csv.js';
import { stratifiedSplit } from './split.js';

export interface Example {
  /** 1-based line of the row in its file. */
  readonly line: number;
  readonly text: string;
  /** Token ids with the special tokens, at most maxLength. */
  readonly ids: readonly number[];
  readonly labels: Readonly<Record<string, number | null>>;
}

export interface Dataset {
  readonly tasks: TrainingTask[];
  readonly train: Example[];
  readonly val: Example[];
  /** Bad-row, truncation and other warnings of both files, with file and line. */
  readonly warnings: CsvIssue[];
  readonly skipped: CsvIssue[];
  readonly trainPath: string;
  readonly valPath?: string;
}

/** The part of SentenceTokenizer the dataset needs (tests pass a stand-in). */
export interface Encoder {
  encode(texts: readonly string[], maxLength: number): { ids: number[][]; truncated: boolean[] };
}

export interface DatasetOptions {
  readonly trainCsv: string;
  /** A separate validation file; otherwise `valSplit` of the train file is held out. */
  readonly valCsv?: string;
  /** Share of the train file held out for validation, in [0, 1); default 0.1. */
  readonly valSplit?: number;
  readonly seed: number;
  readonly textColumn?: string;
  /** Task name → column; default: guessed from the header. */
  readonly tasks?: Record<string, string>;
  /** Fixed label vocabularies (from heads being continued). */
  readonly labelVocab?: Record<string, string[]>;
  readonly onBadRow?: 'error' | 'skip';
  readonly maxLength: number;
  readonly tokenizer: Encoder;
  /** The split of a run being resumed, by line: reused as is instead of drawn again. */
  readonly split?: { readonly train: readonly number[]; readonly val: readonly number[] };
}

export const DEFAULT_VAL_SPLIT = 0.1;

export async function loadDataset(options: DatasetOptions): Promise<Dataset> {
  const { trainCsv, valCsv, maxLength } = options;
  const read = await readTrainingCsv(trainCsv, {
    textColumn: options.textColumn,
    tasks: options.tasks,
    labelVocab: options.labelVocab,
    onBadRow: options.onBadRow,
    maxLength,
  });
  const warnings = [...read.warnings];
  const skipped = [...read.skipped];
  let trainRows: TrainingRow[];
  let valRows: TrainingRow[];
  if (valCsv !== undefined) {
    const v = await readTrainingCsv(valCsv, {
      textColumn: read.textColumn,
      tasks: Object.fromEntries(read.tasks.map((t) => [t.name, t.column])),
      labelVocab: Object.fromEntries(read.tasks.map((t) => [t.name, t.labels])),
      onBadRow: options.onBadRow,
      maxLength,
    });
    warnings.push(...v.warnings);
    skipped.push(...v.skipped);
    trainRows = read.rows;
    valRows = v.rows;
    if (options.split) trainRows = pickLines(read.rows, options.split.train, trainCsv);
  } else if (options.split) {
    trainRows = pickLines(read.rows, options.split.train, trainCsv);
    valRows = pickLines(read.rows, options.split.val, trainCsv);
  } else {
    const s = stratifiedSplit(read.rows, { valFraction: options.valSplit ?? DEFAULT_VAL_SPLIT, seed: options.seed });
    trainRows = s.train;
    valRows = s.val;
  }
  if (trainRows.length === 0) {
    throw new SentenceLensError('BAD_CSV', `${trainCsv}: no rows left for training after the validation split; lower the validation share or add rows`);
  }

  const encode = (rows: TrainingRow[], path: string): Example[] => {
    const { ids, truncated } = options.tokenizer.encode(rows.map((r) => r.text), maxLength);
    rows.forEach((r, i) => {
      if (truncated[i]) warnings.push({ line: r.line, message: `${path}:${r.line}: the text is longer than ${maxLength} tokens; it will be truncated to ${maxLength}` });
    });
    return rows.map((r, i) => ({ line: r.line, text: r.text, ids: ids[i]!, labels: r.labels }));
  };
  return {
    tasks: read.tasks,
    train: encode(trainRows, trainCsv),
    val: encode(valRows, valCsv ?? trainCsv),
    warnings,
    skipped,
    trainPath: trainCsv,
    valPath: valCsv,
  };
}

function pickLines(rows: readonly TrainingRow[], lines: readonly number[], path: string): TrainingRow[] {
  const byLine = new Map(rows.map((r) => [r.line, r]));
  return lines.map((line) => {
    const row = byLine.get(line);
    if (!row) {
      throw new SentenceLensError(
        'BAD_CSV',
        `${path}:${line}: the run being resumed trained on a row at line ${line}, which this file no longer has; resume with the same CSV, or start a new run`,
      );
    }
    return row;
  });
}

/** A 32-bit seed for (seed, epoch): different epochs give unrelated orders. */
export function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(epoch + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface BatchOrderOptions {
  readonly seed: number;
  readonly epoch: number;
  readonly shuffle: boolean;
  /** Rows per length bucket, in batches (default 8): larger mixes more, pads more. */
  readonly bucketBatches?: number;
}

/**
 * The batches of one epoch, as indices into the examples. Without shuffling: consecutive rows
 * in file order. With shuffling: rows sorted by length are cut into buckets of
 * `bucketBatches` batches, shuffled within each bucket, cut into batches, and the batch
 * order is shuffled; every draw comes from Rng(epochSeed(seed, epoch)).
 */
export function epochBatches(lengths: readonly number[], batchSize: number, options: BatchOrderOptions): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new SentenceLensError('BAD_ARGUMENT', `batch size must be a positive integer, got ${batchSize}`);
  const n = lengths.length;
  const chunk = (order: number[]): number[][] => {
    const out: number[][] = [];
    for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
    return out;
  };
  const all = Array.from({ length: n }, (_, i) => i);
  if (!options.shuffle) return chunk(all);
  const rng = new Rng(epochSeed(options.seed, options.epoch));
  const sorted = all.sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const bucket = batchSize * (options.bucketBatches ?? 8);
  const order: number[] = [];
  for (let i = 0; i < n; i += bucket) order.push(...rng.shuffle(sorted.slice(i, i + bucket)));
  return rng.shuffle(chunk(order));
}

export interface CollatedBatch {
  readonly size: number;
  readonly seqLen: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  /** Per task: class index per row, −1 where the row has no label. */
  readonly labels: Record<string, BigInt64Array>;
  /** Per task: 1 where the row has a label, else 0. */
  readonly masks: Record<string, Float32Array>;
  /** Per task: class index or null, per row (for metrics). */
  readonly labelLists: Record<string, (number | null)[]>;
  /** Rows that pair up for the contrastive objective (train/pair-batches.ts); absent without it. */
  readonly pairRows?: { readonly anchors: BigInt64Array; readonly positives: BigInt64Array };
}

/** Right-padded tensors for the examples at `indices`. */
export function collate(examples: readonly Example[], indices: readonly number[], taskNames: readonly string[], padId: number): CollatedBatch {
  const rows = indices.map((i) => examples[i]!);
  const size = rows.length;
  const seqLen = Math.max(1, ...rows.map((r) => r.ids.length));
  const inputIds = new BigInt64Array(size * seqLen).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(size * seqLen);
  const tokenTypeIds = new BigInt64Array(size * seqLen);
  rows.forEach((r, b) => {
    r.ids.forEach((id, j) => {
      inputIds[b * seqLen + j] = BigInt(id);
      attentionMask[b * seqLen + j] = 1n;
    });
  });
  const labels: Record<string, BigInt64Array> = {};
  const masks: Record<string, Float32Array> = {};
  const labelLists: Record<string, (number | null)[]> = {};
  for (const t of taskNames) {
    labelLists[t] = rows.map((r) => r.labels[t] ?? null);
    labels[t] = BigInt64Array.from(labelLists[t], (y) => BigInt(y ?? -1));
    masks[t] = Float32Array.from(labelLists[t], (y) => (y === null ? 0 : 1));
  }
  return { size, seqLen, inputIds, attentionMask, tokenTypeIds, labels, masks, labelLists };
}
