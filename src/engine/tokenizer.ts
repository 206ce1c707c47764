/**
 * The model folder's own tokenizer, through @huggingface/tokenizers (the library
 * transformers.js's AutoTokenizer is built on; using it directly keeps onnxruntime-web and
 * sharp out of the extension), with truncation done the way Python `transformers` does it:
 * content is cut before [CLS]/[SEP] are added, so a long text still ends in [SEP].
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { SentenceLensError } from './errors.js';

/** The parts of the @huggingface/tokenizers Tokenizer this module relies on. */
interface CoreTokenizer {
  tokenize(text: string, options?: { add_special_tokens?: boolean }): string[];
  post_processor: { post_process(tokens: string[], pair?: string[] | null, addSpecial?: boolean): { tokens: string[] } } | null;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}

const PUNCTUATION = /^[\p{P}\p{S}]+$/u;

export interface PaddedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  batch: number;
  seqLen: number;
}

export class SentenceTokenizer {
  private constructor(
    private readonly core: CoreTokenizer,
    private readonly vocab: Map<string, number>,
    private readonly unkId: number,
    private readonly pad_: number,
    /** How many tokens the post-processor adds around a single text. */
    private readonly specialCount: number,
    private readonly unkToken: string,
    /** WordPiece's prefix of a piece that continues a word ("##"); absent for other models. */
    private readonly continuation: string | undefined,
  ) {}

  static async load(dir: string): Promise<SentenceTokenizer> {
    const folder = resolve(dir);
    // Both files, as transformers reads them: tokenizer_config.json names the special tokens.
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      if (!existsSync(join(folder, file))) {
        throw new SentenceLensError('MISSING_FILE', `${folder}: no ${file} in the model folder`);
      }
    }
    let core: CoreTokenizer;
    let config: { unk_token?: unknown; pad_token?: unknown };
    let continuation: string | undefined;
    try {
      const json = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
      const model = json['model'] as { type?: unknown; continuing_subword_prefix?: unknown } | undefined;
      if (model?.type === 'WordPiece') continuation = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##';
      config = JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')) as typeof config;
      core = new Tokenizer(json, config) as unknown as CoreTokenizer;
    } catch (e) {
      throw new SentenceLensError('BAD_CONFIG', `${folder}: tokenizer could not be loaded (${(e as Error).message})`, {
        cause: e,
      });
    }
    const vocab = core.get_vocab(true);
    const tokenName = (t: unknown): string | undefined =>
      typeof t === 'string' ? t : typeof (t as { content?: unknown })?.content === 'string' ? (t as { content: string }).content : undefined;
    const unkToken = tokenName(config.unk_token) ?? '[UNK]';
    const unkId = vocab.get(unkToken);
    if (unkId === undefined) {
      throw new SentenceLensError('BAD_CONFIG', `${folder}: unknown token "${unkToken}" is not in the vocabulary`);
    }
    const padId = vocab.get(tokenName(config.pad_token) ?? '[PAD]') ?? 0;
    const specialCount = core.post_processor ? core.post_processor.post_process([], null, true).tokens.length : 0;
    return new SentenceTokenizer(core, vocab, unkId, padId, specialCount, unkToken, continuation);
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
  encode(texts: readonly string[], maxLength: number): { ids: number[][]; truncated: boolean[]; unknownShare: number[] } {
    const budget = maxLength - this.specialCount;
    if (!Number.isSafeInteger(maxLength) || budget < 0) {
      throw new SentenceLensError(
        'BAD_ARGUMENT',
        `maxLength ${maxLength} leaves no room for the tokenizer's ${this.specialCount} special tokens`,
      );
    }
    const ids: number[][] = new Array(texts.length);
    const truncated: boolean[] = new Array(texts.length);
    const unknownShare: number[] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      let tokens = this.core.tokenize(texts[i]!, { add_special_tokens: false });
      unknownShare[i] = this.unknownWordShare(tokens);
      truncated[i] = tokens.length > budget;
      if (truncated[i]) tokens = tokens.slice(0, budget);
      if (this.core.post_processor) tokens = this.core.post_processor.post_process(tokens, null, true).tokens;
      const row = new Array<number>(tokens.length);
      for (let j = 0; j < tokens.length; j++) row[j] = this.vocab.get(tokens[j]!) ?? this.unkId;
      ids[i] = row;
    }
    return { ids, truncated, unknownShare };
  }

  /**
   * The share of a text's words (punctuation aside) that the vocabulary does not know: a word
   * that became the unknown token, or (WordPiece) that had to be spelled out, most of its pieces
   * single characters ("d ##a ##s"). High for a language the model never saw, even when its
   * alphabet is covered letter by letter.
   */
  private unknownWordShare(tokens: readonly string[]): number {
    const cont = this.continuation;
    let words = 0;
    let unknown = 0;
    for (let i = 0; i < tokens.length; ) {
      let j = i + 1;
      if (cont) while (j < tokens.length && tokens[j]!.startsWith(cont)) j++;
      const pieces = tokens.slice(i, j).map((t, k) => (k > 0 && cont ? t.slice(cont.length) : t));
      i = j;
      if (pieces.length === 1 && PUNCTUATION.test(pieces[0]!)) continue;
      words++;
      const single = pieces.filter((p) => [...p].length === 1).length;
      if (pieces.includes(this.unkToken) || (pieces.length > 1 && single * 2 > pieces.length)) unknown++;
    }
    return words === 0 ? 0 : unknown / words;
  }

  /**
   * Each text's tokens without the special tokens, and whether each token begins a word
   * (WordPiece marks continuations with "##"): what masked-LM pretraining packs and masks.
   */
  pieces(texts: readonly string[]): { ids: number[][]; wordStarts: boolean[][] } {
    const ids: number[][] = [];
    const wordStarts: boolean[][] = [];
    for (const text of texts) {
      const tokens = this.core.tokenize(text, { add_special_tokens: false });
      ids.push(tokens.map((t) => this.vocab.get(t) ?? this.unkId));
      wordStarts.push(tokens.map((t) => !t.startsWith('##')));
    }
    return { ids, wordStarts };
  }

  /** The id of a token (such as "[MASK]"), or undefined when the vocabulary lacks it. */
  idOf(token: string): number | undefined {
    return this.vocab.get(token);
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
