import { SentenceLensError } from '../../engine/errors.js';
import { readCorpus } from '../../engine/pretrain/corpus.js';
import { buildVocabulary, writeTokenizerFiles } from '../../engine/pretrain/vocabulary.js';
import type { Command } from '../command.js';
import { positiveInt } from '../shared-options.js';
import { str } from './train.js';

export const vocabCommand: Command = {
  name: 'vocab',
  summary: 'build a WordPiece vocabulary from text and write tokenizer.json, tokenizer_config.json and vocab.txt',
  usage: 'sentence-lens vocab FILE|DIR… --size N --out DIR [--cased] [--column C]',
  help: `  --size N               vocabulary entries, special tokens included (required)
  --out DIR              folder for tokenizer.json, tokenizer_config.json and vocab.txt (required)
  --cased                keep case (default: lowercase, as bert-base-uncased)
  --column C             text column of CSV inputs (default: text or sentence)
  --max-length N         model_max_length written to tokenizer_config.json (default 512)`,
  options: { size: { type: 'string' }, out: { type: 'string' }, cased: { type: 'boolean' }, column: { type: 'string' }, 'max-length': { type: 'string' } },
  async run(values, positionals, io) {
    const size = positiveInt(values, 'size');
    const out = str(values, 'out');
    if (size === undefined || !out) throw new SentenceLensError('BAD_ARGUMENT', '--size N and --out DIR are required');
    if (positionals.length === 0) throw new SentenceLensError('BAD_ARGUMENT', 'expected one or more text files, folders or CSV files');
    const texts = await readCorpus(positionals, { csvColumn: str(values, 'column') });
    const lowercase = values['cased'] !== true;
    const vocab = buildVocabulary(texts.map((t) => t.text), { vocabSize: size, lowercase, onProgress: (n, total) => io.stderr.write(`\rvocabulary ${n}/${total}`) });
    io.stderr.write('\n');
    await writeTokenizerFiles(out, vocab, { lowercase, maxLength: positiveInt(values, 'max-length') ?? 512 });
    io.stdout.write(JSON.stringify({ out, vocabSize: vocab.length, texts: texts.length, lowercase, unused: vocab.filter((t) => t.startsWith('[unused')).length }, null, 2) + '\n');
  },
};
