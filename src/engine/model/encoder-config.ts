/**
 * The encoder's hyper-parameters under one set of names, whatever the architecture calls them
 * in its config.json (`hidden_size` or DistilBERT's `dim`), and the field readers each
 * architecture's parser uses, so every config error names the field and what was expected.
 */
import { SentenceLensError } from '../errors.js';

/** The Hugging Face `model_type`s the engine builds. */
export const MODEL_TYPES = ['bert', 'roberta', 'xlm-roberta', 'distilbert', 'mpnet'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export interface EncoderConfig {
  readonly modelType: ModelType;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  /** Rows of the position-embedding table (RoBERTa's count the padding offset too). */
  readonly maxPositions: number;
  /** Rows of the token-type table; 0 when the architecture has none. */
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly hiddenDropout: number;
  readonly attentionDropout: number;
  readonly padTokenId: number;
  /** Rows of MPNet's relative attention bias table; 0 for the others. */
  readonly relativeAttentionBuckets: number;
}

/** Reads typed fields from a config.json object, with errors that name the file and field. */
export class ConfigFields {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly source: string,
  ) {}

  positiveInt(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new SentenceLensError('BAD_CONFIG', `${this.source}: "${key}" must be a positive integer, found ${JSON.stringify(this.raw[key])}`);
    }
    return v;
  }

  nonNegativeInt(key: string, fallback: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new SentenceLensError('BAD_CONFIG', `${this.source}: "${key}" must be a whole number ≥ 0, found ${JSON.stringify(this.raw[key])}`);
    }
    return v;
  }

  nonNegative(key: string, fallback: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new SentenceLensError('BAD_CONFIG', `${this.source}: "${key}" must be a non-negative number, found ${JSON.stringify(this.raw[key])}`);
    }
    return v;
  }

  /** The activation must be exact (erf) GELU, the only one the layers build. */
  requireGelu(key: string): void {
    const act = this.raw[key] ?? 'gelu';
    if (act !== 'gelu' && act !== 'gelu_python') {
      throw new SentenceLensError('UNSUPPORTED', `${this.source}: ${key} ${JSON.stringify(act)} is not supported; expected "gelu" (exact, erf-based)`);
    }
  }

  requireAbsolutePositions(): void {
    const pos = this.raw['position_embedding_type'] ?? 'absolute';
    if (pos !== 'absolute') {
      throw new SentenceLensError('UNSUPPORTED', `${this.source}: position_embedding_type ${JSON.stringify(pos)} is not supported; expected "absolute"`);
    }
  }

  divisibleHeads(hidden: number, heads: number, hiddenKey: string, headsKey: string): void {
    if (hidden % heads !== 0) {
      throw new SentenceLensError('BAD_CONFIG', `${this.source}: ${hiddenKey} ${hidden} is not divisible by ${headsKey} ${heads}`);
    }
  }
}
