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

interface SpecialTokensConfig {
  readonly unk_token?: unknown;
  readonly pad_token?: unknown;
}

/** A special token as tokenizer_config.json writes it: a string, or an AddedToken object with `content`. */
function tokenName(t: unknown): string | undefined {
  if (typeof t === 'string') return t;
  const content = (t as { content?: unknown } | null)?.content;
  return typeof content === 'string' ? content : undefined;
}

const PUNCTUATION = /^[\p{P}\p{S}]+$/u;
/** How byte-level BPE (Ġ, a space byte) and SentencePiece (▁) mark a piece that follows a space. */
const WORD_START_MARK = /^[\u0120\u2581]/;

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
    /** Absent for byte-level BPE without an unknown token: every byte is in its vocabulary. */
    private readonly unkId: number | undefined,
    private readonly pad_: number,
    /** How many tokens the post-processor adds around a single text. */
    private readonly specialCount: number,
    private readonly folder: string,
    private readonly unkToken: string | undefined,
    /** WordPiece's prefix of a piece that continues a word ("##"); absent for other models. */
    private readonly continuation: string | undefined,
  ) {}

  /**
   * Reads tokenizer.json and, when the folder has it, tokenizer_config.json (which names the
   * special tokens). Some models ship only tokenizer.json (xlm-roberta-base, roberta-base);
   * then the unknown and padding tokens are the vocabulary's own ([UNK]/<unk>, [PAD]/<pad>).
   */
  static async load(dir: string): Promise<SentenceTokenizer> {
    const folder = resolve(dir);
    if (!existsSync(join(folder, 'tokenizer.json'))) {
      throw new SentenceLensError('MISSING_FILE', `${folder}: no tokenizer.json in the model folder`);
    }
    let core: CoreTokenizer;
    let config: SpecialTokensConfig;
    let continuation: string | undefined;
    try {
      const json = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
      const model = json['model'] as { type?: unknown; continuing_subword_prefix?: unknown } | undefined;
      if (model?.type === 'WordPiece') continuation = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##';
      const configPath = join(folder, 'tokenizer_config.json');
      config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as SpecialTokensConfig) : {};
      core = new Tokenizer(json, config) as unknown as CoreTokenizer;
    } catch (e) {
      throw new SentenceLensError('BAD_CONFIG', `${folder}: tokenizer could not be loaded (${(e as Error).message})`, {
        cause: e,
      });
    }
    const vocab = core.get_vocab(true);
    const unkToken = tokenName(config.unk_token) ?? ['[UNK]', '<unk>'].find((t) => vocab.has(t));
    const unkId = unkToken === undefined ? undefined : vocab.get(unkToken);
    if (unkToken !== undefined && unkId === undefined) {
      throw new SentenceLensError('BAD_CONFIG', `${folder}: unknown token "${unkToken}" is not in the vocabulary`);
    }
    const padToken = tokenName(config.pad_token) ?? ['[PAD]', '<pad>'].find((t) => vocab.has(t));
    const padId = (padToken === undefined ? undefined : vocab.get(padToken)) ?? 0;
    const specialCount = core.post_processor ? core.post_processor.post_process([], null, true).tokens.length : 0;
    return new SentenceTokenizer(core, vocab, unkId, padId, specialCount, folder, unkToken, continuation);
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
      for (let j = 0; j < tokens.length; j++) row[j] = this.idOrUnknown(tokens[j]!);
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
      if ((this.unkToken !== undefined && pieces.includes(this.unkToken)) || (pieces.length > 1 && single * 2 > pieces.length)) unknown++;
    }
    return words === 0 ? 0 : unknown / words;
  }

  /**
   * Each text's tokens without the special tokens, and whether each token begins a word: what
   * masked-LM pretraining packs and masks. WordPiece marks the pieces that continue a word
   * ("##"); byte-level BPE ("Ġ") and SentencePiece ("▁") mark the pieces that start one after
   * a space, and a text's first piece starts a word whatever its mark.
   */
  pieces(texts: readonly string[]): { ids: number[][]; wordStarts: boolean[][] } {
    const ids: number[][] = [];
    const wordStarts: boolean[][] = [];
    const cont = this.continuation;
    const startsWord = (t: string, k: number): boolean => k === 0 || (cont !== undefined ? !t.startsWith(cont) : WORD_START_MARK.test(t));
    for (const text of texts) {
      const tokens = this.core.tokenize(text, { add_special_tokens: false });
      ids.push(tokens.map((t) => this.idOrUnknown(t)));
      wordStarts.push(tokens.map(startsWord));
    }
    return { ids, wordStarts };
  }

  /** The id of a token (such as "[MASK]"), or undefined when the vocabulary lacks it. */
  idOf(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** The id of a token, else the unknown token's; an error when there is neither. */
  private idOrUnknown(token: string): number {
    const id = this.vocab.get(token) ?? this.unkId;
    if (id === undefined) throw new SentenceLensError('BAD_CONFIG', `${this.folder}: token ${JSON.stringify(token)} is not in the vocabulary and the tokenizer has no unknown token`);
    return id;
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
