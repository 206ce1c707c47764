/**
 * The model folder's own tokenizer, through transformers.js, with truncation done the way
 * Python `transformers` does it: content is cut before [CLS]/[SEP] are added, so a long
 * text still ends in [SEP] (transformers.js slices after adding them and loses it).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { SentenceLensError } from './errors.js';

/** The parts of the @huggingface/tokenizers Tokenizer this module relies on. */
interface CoreTokenizer {
  tokenize(text: string, options?: { add_special_tokens?: boolean }): string[];
  post_processor: { post_process(tokens: string[], pair?: string[] | null, addSpecial?: boolean): { tokens: string[] } } | null;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}

export interface PaddedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  batch: number;
  seqLen: number;
}

function configureLocalOnly(): void {
  // Never reach the network; absolute folder paths are read as given (they are not valid
  // hub ids, so transformers.js does not prefix env.localModelPath). Its file cache is
  // keyed by path and lives inside node_modules, so it could serve stale copies: skip it.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.useBrowserCache = false;
}

export class SentenceTokenizer {
  private constructor(
    private readonly core: CoreTokenizer,
    private readonly vocab: Map<string, number>,
    private readonly unkId: number,
    private readonly pad_: number,
    /** How many tokens the post-processor adds around a single text. */
    private readonly specialCount: number,
  ) {}

  static async load(dir: string): Promise<SentenceTokenizer> {
    const folder = resolve(dir);
    // transformers.js needs both files; without tokenizer_config.json it fails with a TypeError.
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      if (!existsSync(join(folder, file))) {
        throw new SentenceLensError('MISSING_FILE', `${folder}: no ${file} in the model folder`);
      }
    }
    configureLocalOnly();
    let tok;
    try {
      tok = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
    } catch (e) {
      throw new SentenceLensError('BAD_CONFIG', `${folder}: tokenizer could not be loaded (${(e as Error).message})`, {
        cause: e,
      });
    }
    const core = (tok as unknown as { _tokenizer: CoreTokenizer })._tokenizer;
    const vocab = core.get_vocab(true);
    const unkToken = tok.unk_token ?? '[UNK]';
    const unkId = vocab.get(unkToken);
    if (unkId === undefined) {
      throw new SentenceLensError('BAD_CONFIG', `${folder}: unknown token "${unkToken}" is not in the vocabulary`);
    }
    const padId = tok.pad_token_id ?? vocab.get('[PAD]') ?? 0;
    const specialCount = core.post_processor ? core.post_processor.post_process([], null, true).tokens.length : 0;
    return new SentenceTokenizer(core, vocab, unkId, padId, specialCount);
  }

  get padId(): number {
    return this.pad_;
  }

  /** Entries in the vocabulary, added tokens included: the embedding table needs this many rows. */
  get vocabSize(): number {
    let max = -1;
    for (const id of this.vocab.values()) if (id > max) max = id;
    return max + 1;
  }

  /** Each text as [CLS] … [SEP], at most `maxLength` ids; no padding (callers bucket by length). */
  encode(texts: readonly string[], maxLength: number): { ids: number[][]; truncated: boolean[] } {
    const budget = maxLength - this.specialCount;
    if (!Number.isSafeInteger(maxLength) || budget < 0) {
      throw new SentenceLensError(
        'BAD_ARGUMENT',
        `maxLength ${maxLength} leaves no room for the tokenizer's ${this.specialCount} special tokens`,
      );
    }
    const ids: number[][] = new Array(texts.length);
    const truncated: boolean[] = new Array(texts.length);
    // transformers.js has no batched fast path (its batch call maps over texts), so one loop
    // over the core tokenizer is the cheapest route.
    for (let i = 0; i < texts.length; i++) {
      let tokens = this.core.tokenize(texts[i]!, { add_special_tokens: false });
      truncated[i] = tokens.length > budget;
      if (truncated[i]) tokens = tokens.slice(0, budget);
      if (this.core.post_processor) tokens = this.core.post_processor.post_process(tokens, null, true).tokens;
      const row = new Array<number>(tokens.length);
      for (let j = 0; j < tokens.length; j++) row[j] = this.vocab.get(tokens[j]!) ?? this.unkId;
      ids[i] = row;
    }
    return { ids, truncated };
  }

  /** Right-padded row-major [batch, seqLen] tensors for a single-segment batch. */
  static pad(ids: readonly (readonly number[])[], padId: number): PaddedBatch {
    const batch = ids.length;
    let seqLen = 0;
    for (const row of ids) if (row.length > seqLen) seqLen = row.length;
    const inputIds = new BigInt64Array(batch * seqLen).fill(BigInt(padId));
    const attentionMask = new BigInt64Array(batch * seqLen);
    const tokenTypeIds = new BigInt64Array(batch * seqLen);
    for (let b = 0; b < batch; b++) {
      const row = ids[b]!;
      const base = b * seqLen;
      for (let j = 0; j < row.length; j++) {
        inputIds[base + j] = BigInt(row[j]!);
        attentionMask[base + j] = 1n;
      }
    }
    return { inputIds, attentionMask, tokenTypeIds, batch, seqLen };
  }
}
