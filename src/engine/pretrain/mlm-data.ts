/**
 * Pretraining examples: texts tokenized, packed into sequences of at most maxLength
 * ([CLS] text [SEP] text [SEP] …, as RoBERTa's full-sentence packing), then masked BERT's way:
 * 15% of the tokens chosen (whole words by default), of which 80% become [MASK], 10% a random
 * token and 10% stay as they are. Masks are a pure function of (seed, epoch, sequence index),
 * so each epoch masks anew (dynamic masking) and a resumed run masks exactly as the
 * interrupted one would have.
 */
import { SentenceLensError } from '../errors.js';
import { Rng } from '../random.js';
import type { CorpusText } from './corpus.js';

export interface MlmSpecialIds {
  readonly cls: number;
  readonly sep: number;
  readonly mask: number;
  readonly pad: number;
  /** Every special token: never masked, never drawn as a random replacement. */
  readonly special: ReadonlySet<number>;
  readonly vocabSize: number;
}

/** The part of SentenceTokenizer pretraining needs. */
export interface PieceTokenizer {
  pieces(texts: readonly string[]): { ids: number[][]; wordStarts: boolean[][] };
  idOf(token: string): number | undefined;
  readonly padId: number;
  readonly vocabSize: number;
}

const SPECIAL_NAMES = { cls: ['[CLS]', '<s>'], sep: ['[SEP]', '</s>'], mask: ['[MASK]', '<mask>'], other: ['[UNK]', '<unk>', '[PAD]', '<pad>'] };

export function mlmSpecialIds(tok: PieceTokenizer, source: string): MlmSpecialIds {
  const find = (names: string[], what: string): number => {
    for (const n of names) {
      const id = tok.idOf(n);
      if (id !== undefined) return id;
    }
    throw new SentenceLensError('BAD_CONFIG', `${source}: the tokenizer has no ${what} token (${names.join(' or ')}); masked-LM pretraining needs one`);
  };
  const cls = find(SPECIAL_NAMES.cls, 'start');
  const sep = find(SPECIAL_NAMES.sep, 'separator');
  const mask = find(SPECIAL_NAMES.mask, 'mask');
  const special = new Set([cls, sep, mask, tok.padId]);
  for (const n of SPECIAL_NAMES.other) {
    const id = tok.idOf(n);
    if (id !== undefined) special.add(id);
  }
  return { cls, sep, mask, pad: tok.padId, special, vocabSize: tok.vocabSize };
}

export interface PackedSequence {
  readonly ids: Int32Array;
  /** 1 where the token begins a word (specials count as words of their own). */
  readonly wordStart: Uint8Array;
  /** Where its first text came from. */
  readonly file: string;
  readonly line: number;
}

export interface PackOptions {
  readonly maxLength: number;
  /** false: one text per sequence (truncated); true (default): fill each sequence with consecutive texts. */
  readonly pack?: boolean;
}

/** Tokenizes and packs texts in order; a text longer than a sequence is cut at word starts. */
export function packSequences(texts: readonly CorpusText[], tok: PieceTokenizer, ids: MlmSpecialIds, options: PackOptions): PackedSequence[] {
  const budget = options.maxLength - 2;
  if (!Number.isSafeInteger(options.maxLength) || budget < 1) throw new SentenceLensError('BAD_ARGUMENT', `max length ${options.maxLength} leaves no room for text between [CLS] and [SEP]`);
  const pack = options.pack ?? true;
  const out: PackedSequence[] = [];
  let cur: number[] = [];
  let starts: number[] = [];
  let origin: CorpusText | undefined;
  const close = () => {
    if (!origin || cur.length === 0) return;
    out.push({ ids: Int32Array.from([ids.cls, ...cur]), wordStart: Uint8Array.from([1, ...starts]), file: origin.file, line: origin.line });
    cur = [];
    starts = [];
    origin = undefined;
  };
  const CHUNK = 256;
  for (let at = 0; at < texts.length; at += CHUNK) {
    const part = texts.slice(at, at + CHUNK);
    const tokens = tok.pieces(part.map((t) => t.text));
    part.forEach((src, i) => {
      let t = tokens.ids[i]!;
      let w = tokens.wordStarts[i]!.map((b) => (b ? 1 : 0));
      if (t.length === 0) return;
      if (!pack || cur.length + t.length + 1 > budget + 1) close();
      while (t.length > budget) {
        // The last word start that keeps the chunk within budget; a single huge word is cut.
        let cut = budget;
        while (cut > 0 && !w[cut]) cut--;
        if (cut === 0) cut = budget;
        cur = [...t.slice(0, cut), ids.sep];
        starts = [...w.slice(0, cut), 1];
        origin = src;
        close();
        t = t.slice(cut);
        w = w.slice(cut);
        w[0] = 1;
        if (!pack) return;
      }
      if (t.length === 0) return;
      origin ??= src;
      cur.push(...t, ids.sep);
      starts.push(...w, 1);
      if (!pack) close();
    });
  }
  close();
  return out;
}

export interface MaskOptions {
  /** Share of the (non-special) tokens predicted; default 0.15. */
  readonly rate?: number;
  /** Choose whole words (all their pieces together); default true. */
  readonly wholeWord?: boolean;
  /** Of the chosen tokens: share replaced by [MASK] (default 0.8) and by a random token (default 0.1); the rest stay. */
  readonly maskShare?: number;
  readonly randomShare?: number;
}

/** A 32-bit seed per (seed, epoch, sequence): independent masks for each. */
export function maskSeed(seed: number, epoch: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface MaskedSequence {
  readonly inputIds: Int32Array;
  /** Positions (within the sequence) to predict, ascending, and their original ids. */
  readonly positions: number[];
  readonly labels: number[];
}

export function maskSequence(seq: PackedSequence, rng: Rng, ids: MlmSpecialIds, options: MaskOptions = {}): MaskedSequence {
  const rate = options.rate ?? 0.15;
  const maskShare = options.maskShare ?? 0.8;
  const randomShare = options.randomShare ?? 0.1;
  const wholeWord = options.wholeWord ?? true;
  const words: number[][] = [];
  let candidates = 0;
  for (let i = 0; i < seq.ids.length; i++) {
    if (ids.special.has(seq.ids[i]!)) continue;
    candidates++;
    if (wholeWord && !seq.wordStart[i] && words.length > 0 && words.at(-1)!.at(-1) === i - 1) words.at(-1)!.push(i);
    else words.push([i]);
  }
  const inputIds = Int32Array.from(seq.ids);
  if (candidates === 0) return { inputIds, positions: [], labels: [] };
  const wanted = Math.max(1, Math.round(candidates * rate));
  const chosen: number[] = [];
  for (const word of rng.shuffle(words)) {
    if (chosen.length >= wanted) break;
    // As BERT's create_masked_lm_predictions: a word that would overshoot is skipped whole.
    if (chosen.length + word.length > wanted) continue;
    chosen.push(...word);
  }
  chosen.sort((a, b) => a - b);
  for (const p of chosen) {
    const r = rng.next();
    if (r < maskShare) inputIds[p] = ids.mask;
    else if (r < maskShare + randomShare) inputIds[p] = randomToken(rng, ids);
  }
  return { inputIds, positions: chosen, labels: chosen.map((p) => seq.ids[p]!) };
}

function randomToken(rng: Rng, ids: MlmSpecialIds): number {
  for (;;) {
    const t = rng.int(ids.vocabSize);
    if (!ids.special.has(t)) return t;
  }
}

export interface MlmBatch {
  readonly size: number;
  readonly seqLen: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  /** Flat b·seqLen + s of each prediction. */
  readonly positions: BigInt64Array;
  readonly labels: BigInt64Array;
  readonly weights: Float32Array;
  /** Real tokens in the batch (padding excluded). */
  readonly tokens: number;
}

/** Masks and right-pads the sequences at `indices` for one step of `epoch`. */
export function mlmBatch(seqs: readonly PackedSequence[], indices: readonly number[], seed: number, epoch: number, ids: MlmSpecialIds, options: MaskOptions = {}): MlmBatch {
  const masked = indices.map((i) => maskSequence(seqs[i]!, new Rng(maskSeed(seed, epoch, i)), ids, options));
  const size = indices.length;
  const seqLen = Math.max(1, ...masked.map((m) => m.inputIds.length));
  const inputIds = new BigInt64Array(size * seqLen).fill(BigInt(ids.pad));
  const attentionMask = new BigInt64Array(size * seqLen);
  const positions: bigint[] = [];
  const labels: bigint[] = [];
  let tokens = 0;
  masked.forEach((m, b) => {
    m.inputIds.forEach((id, s) => {
      inputIds[b * seqLen + s] = BigInt(id);
      attentionMask[b * seqLen + s] = 1n;
    });
    tokens += m.inputIds.length;
    m.positions.forEach((p, k) => {
      positions.push(BigInt(b * seqLen + p));
      labels.push(BigInt(m.labels[k]!));
    });
  });
  return {
    size, seqLen, inputIds, attentionMask, tokenTypeIds: new BigInt64Array(size * seqLen),
    positions: BigInt64Array.from(positions), labels: BigInt64Array.from(labels), weights: new Float32Array(positions.length).fill(1), tokens,
  };
}
