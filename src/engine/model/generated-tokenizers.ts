/**
 * Tokenizer files for generated models of each architecture, in the formats the real models
 * ship: SentencePiece Unigram (XLM-R, multilingual BERTs), byte-level BPE (RoBERTa) and
 * WordPiece with MPNet's <s>/</s> specials. Only for generated models (tests, benchmarks):
 * real checkpoints bring their own tokenizer.json, which the tokenizer library loads. The
 * vocabularies are built from sample sentences by simple, deterministic counting; they need
 * to be valid and realistic in shape, not good.
 */
import { SentenceLensError } from '../errors.js';
import { buildVocab } from './wordpiece-vocab.js';

export interface GeneratedTokenizer {
  /** File name → contents (tokenizer.json, tokenizer_config.json, and the slow tokenizer's files). */
  readonly files: Record<string, string>;
  readonly vocabSize: number;
  readonly padId: number;
}

export interface TokenizerGenerationOptions {
  /** Exact vocabulary size (filled with rare pieces); default: what the texts give. */
  readonly vocabSize?: number;
  readonly maxLength: number;
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
const codeOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** <s>, <pad>, </s>, <unk> at 0–3 and <mask> last: the RoBERTa / XLM-R layout. */
const ROBERTA_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'] as const;

function addedToken(content: string, id: number, lstrip = false): object {
  return { id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true };
}

function robertaStyleConfig(tokenizerClass: string, maxLength: number, extra: object = {}): object {
  return {
    tokenizer_class: tokenizerClass,
    bos_token: '<s>', eos_token: '</s>', sep_token: '</s>', cls_token: '<s>',
    unk_token: '<unk>', pad_token: '<pad>', mask_token: '<mask>',
    model_max_length: maxLength,
    ...extra,
  };
}

/** `<s> $A </s>` (and `<s> $A </s> </s> $B </s>` for pairs), as XLM-R's and MPNet's converters write it. */
function templateProcessing(bosId: number, eosId: number): object {
  const s = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const seq = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  return {
    type: 'TemplateProcessing',
    single: [s('<s>'), seq('A'), s('</s>')],
    pair: [s('<s>'), seq('A'), s('</s>'), s('</s>'), seq('B'), s('</s>')],
    special_tokens: { '<s>': { id: '<s>', ids: [bosId], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [eosId], tokens: ['</s>'] } },
  };
}

/** Distinct strings no sample sentence contains, to pad a vocabulary to an exact size. */
function fillers(count: number, prefix: string): string[] {
  const letters = 'bcdfghjklmnpqrstvwxz';
  return Array.from({ length: count }, (_, i) => {
    let s = '';
    for (let n = i; ; n = Math.floor(n / letters.length) - 1) {
      s = letters[n % letters.length]! + s;
      if (n < letters.length) break;
    }
    return `${prefix}zz${s}`;
  });
}

function checkRoom(kind: string, needed: number, target: number | undefined): void {
  if (target !== undefined && target < needed) {
    throw new SentenceLensError('BAD_ARGUMENT', `vocabSize ${target} is too small for the ${kind} vocabulary: the texts' characters and specials need ${needed}`);
  }
}

/** SentencePiece Unigram, XLM-R style: NFKC, Metaspace "▁", pieces scored by log frequency. */
export function unigramTokenizer(texts: readonly string[], o: TokenizerGenerationOptions): GeneratedTokenizer {
  const counts = new Map<string, number>();
  const bump = (piece: string, n = 1) => counts.set(piece, (counts.get(piece) ?? 0) + n);
  for (const text of texts) {
    for (const word of text.normalize('NFKC').split(/\s+/u).filter(Boolean)) {
      const piece = `▁${word}`;
      bump(piece);
      const chars = [...piece];
      for (const ch of chars) bump(ch);
      // Word starts and ends give unseen words multi-character pieces to use.
      if (chars.length > 4) {
        bump(chars.slice(0, 4).join(''));
        bump(chars.slice(-3).join(''));
      }
    }
  }
  bump('▁', texts.length);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const singles = [...counts.keys()].filter((p) => [...p].length === 1);
  const longer = [...counts.entries()].filter(([p]) => [...p].length > 1).sort((a, b) => b[1] - a[1] || codeOrder(a[0], b[0]));
  checkRoom('Unigram', ROBERTA_SPECIALS.length + singles.length + 1, o.vocabSize);
  const room = (o.vocabSize ?? Infinity) - ROBERTA_SPECIALS.length - singles.length - 1;
  const chosen = [...singles.map((p) => [p, counts.get(p)!] as const), ...longer.slice(0, Math.max(0, room))];
  const pieces: [string, number][] = chosen
    .map(([p, n]) => [p, Math.log(n / total)] as [string, number])
    .sort((a, b) => b[1] - a[1] || codeOrder(a[0], b[0]));
  const minScore = Math.min(...pieces.map(([, s]) => s));
  if (o.vocabSize !== undefined) {
    for (const f of fillers(o.vocabSize - ROBERTA_SPECIALS.length - pieces.length - 1, '▁')) pieces.push([f, minScore - 1]);
  }
  const vocab: [string, number][] = [...ROBERTA_SPECIALS.map((s) => [s, 0] as [string, number]), ...pieces, ['<mask>', 0]];
  const maskId = vocab.length - 1;
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...ROBERTA_SPECIALS.map((s, i) => addedToken(s, i)), addedToken('<mask>', maskId, true)],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: templateProcessing(0, 2),
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
  return {
    files: { 'tokenizer.json': json(tokenizer), 'tokenizer_config.json': json(robertaStyleConfig('XLMRobertaTokenizer', o.maxLength)) },
    vocabSize: vocab.length,
    padId: 1,
  };
}

/** GPT-2's byte → printable character map, which byte-level BPE vocabularies are written in. */
function bytesToUnicode(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : 256 + extra++));
  return out;
}

/** GPT-2's pre-tokenization pattern, as ByteLevel(use_regex) applies it. */
const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Learns `count` merges from word frequencies, most frequent pair first (ties by code order). */
function learnMerges(words: Map<string, number>, count: number): [string, string][] {
  const split = [...words].map(([w, n]) => ({ symbols: [...w], n }));
  const merges: [string, string][] = [];
  while (merges.length < count) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of split) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    const best = [...pairs].sort((a, b) => b[1] - a[1] || codeOrder(a[0], b[0]))[0];
    if (!best) break;
    const [left, right] = best[0].split(' ') as [string, string];
    merges.push([left, right]);
    for (const w of split) {
      const merged: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (w.symbols[i] === left && w.symbols[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(w.symbols[i]!);
        }
      }
      w.symbols = merged;
    }
  }
  return merges;
}

/** Byte-level BPE, RoBERTa style: every byte is a token, so no text is ever unknown. */
export function byteLevelBpeTokenizer(texts: readonly string[], o: TokenizerGenerationOptions & { merges?: number }): GeneratedTokenizer {
  const byteChars = bytesToUnicode();
  const encoder = new TextEncoder();
  const words = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(BYTE_LEVEL_SPLIT)) {
      const w = [...encoder.encode(m[0])].map((b) => byteChars[b]!).join('');
      words.set(w, (words.get(w) ?? 0) + 1);
    }
  }
  const fixed = ROBERTA_SPECIALS.length + 256 + 1;
  checkRoom('byte-level BPE', fixed, o.vocabSize);
  const merges = learnMerges(words, Math.min(o.merges ?? 400, (o.vocabSize ?? Infinity) - fixed));
  const tokens = [...ROBERTA_SPECIALS, ...byteChars, ...merges.map(([a, b]) => a + b)];
  const unique = [...new Set(tokens)];
  if (o.vocabSize !== undefined) unique.push(...fillers(o.vocabSize - unique.length - 1, 'Ġ'));
  unique.push('<mask>');
  const vocab = Object.fromEntries(unique.map((t, i) => [t, i]));
  const maskId = unique.length - 1;
  const mergeLines = merges.map(([a, b]) => `${a} ${b}`);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...ROBERTA_SPECIALS.map((s, i) => addedToken(s, i)), addedToken('<mask>', maskId, true)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: mergeLines },
  };
  return {
    files: {
      'tokenizer.json': json(tokenizer),
      'tokenizer_config.json': json(robertaStyleConfig('RobertaTokenizer', o.maxLength, { add_prefix_space: false, errors: 'replace', trim_offsets: true })),
      'vocab.json': `${JSON.stringify(vocab)}\n`,
      'merges.txt': `#version: 0.2\n${mergeLines.join('\n')}\n`,
    },
    vocabSize: unique.length,
    padId: 1,
  };
}

/** WordPiece with MPNet's specials: <s> (cls) 0, <pad> 1, </s> (sep) 2, [UNK] 3, <mask> 4. */
export function mpnetWordPieceTokenizer(texts: readonly string[], o: TokenizerGenerationOptions & { lowercase: boolean }): GeneratedTokenizer {
  const specials = ['<s>', '<pad>', '</s>', '[UNK]', '<mask>'];
  // buildVocab puts BERT's five specials first; MPNet's take their places.
  const vocab = [...specials, ...buildVocab(texts, { vocabSize: o.vocabSize, lowercase: o.lowercase }).slice(specials.length)];
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s, i) => addedToken(s, i, s === '<mask>')),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: o.lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: templateProcessing(0, 2),
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
  const config = {
    tokenizer_class: 'MPNetTokenizer', do_lower_case: o.lowercase, strip_accents: null, tokenize_chinese_chars: true,
    bos_token: '<s>', eos_token: '</s>', sep_token: '</s>', cls_token: '<s>', unk_token: '[UNK]', pad_token: '<pad>', mask_token: '<mask>',
    model_max_length: o.maxLength,
  };
  return {
    files: { 'tokenizer.json': json(tokenizer), 'tokenizer_config.json': json(config), 'vocab.txt': `${vocab.join('\n')}\n` },
    vocabSize: vocab.length,
    padId: 1,
  };
}
