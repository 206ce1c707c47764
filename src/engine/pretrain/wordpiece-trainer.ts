/**
 * Learns a WordPiece vocabulary from text, the way Hugging Face `tokenizers`' WordPieceTrainer
 * does: every word starts as its characters (continuations written `##c`), and the most
 * frequent adjacent pair of pieces is merged, again and again, until the vocabulary has the
 * size asked for. Written here because no JavaScript library trains one: @huggingface/tokenizers
 * (the JS port) and transformers.js only load tokenizers, and the Rust trainer is Python/Rust.
 * The result is written with the same tokenizer.json builder as generated models, so the
 * tokenizer library loads it and tokenizes with greedy longest-match-first as BERT does.
 */
import { SentenceLensError } from '../errors.js';
import { basicPreTokenize, SPECIAL_TOKENS } from '../model/wordpiece-vocab.js';

export interface WordPieceTrainOptions {
  /** Vocabulary size wanted, special tokens included. */
  readonly vocabSize: number;
  readonly lowercase: boolean;
  /** Words seen fewer times are left out of the counts (default 2). */
  readonly minFrequency?: number;
  /** Keep at most this many distinct characters, the most frequent (default 1,000). */
  readonly limitAlphabet?: number;
  /** Called every few hundred merges with (vocabulary so far, target). */
  readonly onProgress?: (size: number, target: number) => void;
}

const CONT = '##';

/** Word → count over every text, after BERT's basic pre-tokenization. */
export function countWords(texts: Iterable<string>, lowercase: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const w of basicPreTokenize(text, lowercase)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

/** A binary max-heap of [count, key] with lazy deletion: stale entries are skipped on pop. */
class PairHeap {
  private readonly items: [number, string][] = [];

  push(count: number, key: string): void {
    const a = this.items;
    a.push([count, key]);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): [number, string] | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Higher count first; ties by key, so the merges (and the vocabulary) are deterministic. */
  private before(x: [number, string], y: [number, string]): boolean {
    return x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
  }
}

const SEP = '\u0000';

/** Trains on word counts (see countWords); returns the vocabulary in id order. */
export function trainWordPiece(counts: ReadonlyMap<string, number>, options: WordPieceTrainOptions): string[] {
  const minFrequency = options.minFrequency ?? 2;
  const words = [...counts].filter(([, c]) => c >= minFrequency).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const alphabet = chooseAlphabet(words, options.limitAlphabet ?? 1000);
  const vocab: string[] = [...SPECIAL_TOKENS];
  const seen = new Set<string>(vocab);
  const addToken = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  for (const ch of alphabet) addToken(ch);
  for (const ch of alphabet) addToken(CONT + ch);
  if (options.vocabSize < vocab.length) {
    throw new SentenceLensError('BAD_ARGUMENT', `vocabulary size ${options.vocabSize} is too small: the special tokens and ${alphabet.size} characters (with ## forms) need ${vocab.length}`);
  }

  // Each word as its pieces; characters outside the alphabet make the word unusable for merges.
  const pieces: string[][] = [];
  const freq: number[] = [];
  for (const [w, c] of words) {
    const chars = [...w];
    if (!chars.every((ch) => alphabet.has(ch))) continue;
    pieces.push(chars.map((ch, i) => (i === 0 ? ch : CONT + ch)));
    freq.push(c);
  }

  const pairCount = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addPairs = (wi: number, sign: 1 | -1) => {
    const p = pieces[wi]!;
    for (let i = 0; i + 1 < p.length; i++) {
      const key = p[i]! + SEP + p[i + 1]!;
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freq[wi]!);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(wi);
      }
    }
  };
  for (let wi = 0; wi < pieces.length; wi++) addPairs(wi, 1);
  const heap = new PairHeap();
  for (const [k, c] of pairCount) heap.push(c, k);

  let merges = 0;
  while (vocab.length < options.vocabSize) {
    const top = heap.pop();
    if (!top) break;
    const [count, key] = top;
    const current = pairCount.get(key) ?? 0;
    if (current !== count) {
      if (current > 0) heap.push(current, key); // stale: requeue with its true count
      continue;
    }
    if (count <= 0) break;
    const [a, b] = key.split(SEP) as [string, string];
    const merged = a + b.slice(CONT.length);
    addToken(merged);
    const touched = pairWords.get(key) ?? new Set<number>();
    pairWords.delete(key);
    const changed = new Set<string>();
    for (const wi of touched) {
      const before = pieces[wi]!.map((_, i, p) => (i + 1 < p.length ? p[i]! + SEP + p[i + 1]! : '')).filter(Boolean);
      addPairs(wi, -1);
      pieces[wi] = mergeInWord(pieces[wi]!, a, b, merged);
      addPairs(wi, 1);
      for (const k of before) changed.add(k);
      const p = pieces[wi]!;
      for (let i = 0; i + 1 < p.length; i++) changed.add(p[i]! + SEP + p[i + 1]!);
    }
    pairCount.delete(key);
    for (const k of changed) {
      const c = pairCount.get(k) ?? 0;
      if (c > 0) heap.push(c, k);
      else pairCount.delete(k);
    }
    if (++merges % 500 === 0) options.onProgress?.(vocab.length, options.vocabSize);
  }
  // Too little text for the size asked: keep the ids dense, as BERT's own vocabularies do.
  for (let i = 0; vocab.length < options.vocabSize; i++) addToken(`[unused${i}]`);
  options.onProgress?.(vocab.length, options.vocabSize);
  return vocab;
}

/** The most frequent characters (weighted by word count), at most `limit`, in code order. */
function chooseAlphabet(words: readonly [string, number][], limit: number): Set<string> {
  const charCount = new Map<string, number>();
  for (const [w, c] of words) for (const ch of w) charCount.set(ch, (charCount.get(ch) ?? 0) + c);
  const kept = [...charCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([ch]) => ch);
  return new Set(kept.sort());
}

function mergeInWord(p: readonly string[], a: string, b: string, merged: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.length; i++) {
    if (i + 1 < p.length && p[i] === a && p[i + 1] === b) {
      out.push(merged);
      i++;
    } else out.push(p[i]!);
  }
  return out;
}
