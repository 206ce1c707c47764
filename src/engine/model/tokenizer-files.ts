/**
 * The files a Hugging Face tokenizer may come as: tokenizer.json (all the engine reads, with
 * tokenizer_config.json when present) and the slow tokenizers' own files (WordPiece vocab.txt,
 * byte-level BPE vocab.json + merges.txt, SentencePiece models), which checkpoints and
 * downloads keep so Python's tokenizers find what they expect.
 */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'sentencepiece.bpe.model',
  'spiece.model',
] as const;
