/**
 * A new WordPiece vocabulary for a corpus, written as the tokenizer files of a Hugging Face
 * BERT folder (vocab.txt, tokenizer.json, tokenizer_config.json) that @huggingface/tokenizers,
 * transformers.js and Python `transformers` load.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenizerConfigJson, tokenizerJson } from '../model/wordpiece-vocab.js';
import { countWords, trainWordPiece, type WordPieceTrainOptions } from './wordpiece-trainer.js';

export async function writeTokenizerFiles(dir: string, vocab: readonly string[], options: { lowercase: boolean; maxLength: number }): Promise<void> {
  await mkdir(dir, { recursive: true });
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(join(dir, 'vocab.txt'), `${vocab.join('\n')}\n`);
  await writeFile(join(dir, 'tokenizer.json'), json(tokenizerJson(vocab, options.lowercase)));
  await writeFile(join(dir, 'tokenizer_config.json'), json(tokenizerConfigJson(options.lowercase, options.maxLength)));
}

/** Learns a vocabulary of `options.vocabSize` entries from the texts. */
export function buildVocabulary(texts: Iterable<string>, options: WordPieceTrainOptions): string[] {
  return trainWordPiece(countWords(texts, options.lowercase), options);
}
