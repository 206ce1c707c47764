/**
 * Builds a WordPiece vocabulary from sentences and writes it in the formats a Hugging Face
 * BERT folder carries (vocab.txt, tokenizer.json, tokenizer_config.json). Only for generated
 * models: real checkpoints ship their own tokenizer, which we load, never reimplement.
 */
import { SentenceLensError } from '../errors.js';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;
export const MASK_ID = 4;

const DEFAULT_VOCAB_CAP = 8000;

// BERT counts every ASCII non-alphanumeric printable as punctuation, plus Unicode P*.
const PUNCT = /[\p{P}!-/:-@[-`{-~]/u;

/**
 * An approximation of BertNormalizer + BertPreTokenizer, good enough to choose which words
 * deserve whole-word entries; exactness does not matter because every character is also in
 * the vocabulary, so any word still tokenizes.
 */
export function basicPreTokenize(text: string, lowercase: boolean): string[] {
  let t = text;
  if (lowercase) t = t.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
  const words: string[] = [];
  for (const chunk of t.split(/\s+/u)) {
    let cur = '';
    for (const ch of chunk) {
      if (PUNCT.test(ch) || /\p{Cc}/u.test(ch)) {
        if (cur) words.push(cur);
        cur = '';
        if (PUNCT.test(ch)) words.push(ch);
      } else {
        cur += ch;
      }
    }
    if (cur) words.push(cur);
  }
  return words;
}

function codeOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Specials, then every character, then `##` + every character, then whole words by frequency
 * (ties alphabetical, so the result is deterministic). With an explicit `vocabSize` larger
 * than the words allow, `[unusedN]` entries fill the rest, as in Google's BERT vocabularies.
 */
export function buildVocab(texts: readonly string[], options: { vocabSize?: number; lowercase: boolean }): string[] {
  const counts = new Map<string, number>();
  const chars = new Set<string>();
  for (const text of texts) {
    for (const w of basicPreTokenize(text, options.lowercase)) {
      counts.set(w, (counts.get(w) ?? 0) + 1);
      for (const ch of w) chars.add(ch);
    }
  }
  const charList = [...chars].sort(codeOrder);
  const vocab: string[] = [...SPECIAL_TOKENS, ...charList, ...charList.map((c) => `##${c}`)];
  const target = options.vocabSize ?? DEFAULT_VOCAB_CAP;
  if (!Number.isSafeInteger(target) || target < vocab.length) {
    throw new SentenceLensError(
      'BAD_ARGUMENT',
      `vocabSize ${target} is too small: the special tokens and ${charList.length} characters (with ## forms) need ${vocab.length}`,
    );
  }
  const seen = new Set(vocab);
  const words = [...counts.entries()]
    .filter(([w]) => !seen.has(w))
    .sort((a, b) => b[1] - a[1] || codeOrder(a[0], b[0]));
  for (const [w] of words) {
    if (vocab.length >= target) break;
    vocab.push(w);
  }
  if (options.vocabSize !== undefined) {
    for (let i = 0; vocab.length < target; i++) vocab.push(`[unused${i}]`);
  }
  return vocab;
}

/** tokenizer.json in the Hugging Face `tokenizers` format for a BERT WordPiece tokenizer. */
export function tokenizerJson(vocab: readonly string[], lowercase: boolean): object {
  const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [CLS_ID], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [SEP_ID], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

export function tokenizerConfigJson(lowercase: boolean, modelMaxLength: number): object {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: lowercase,
    strip_accents: null,
    tokenize_chinese_chars: true,
    clean_up_tokenization_spaces: true,
    model_max_length: modelMaxLength,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
}
