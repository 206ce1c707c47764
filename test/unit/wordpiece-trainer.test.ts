import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { countWords, trainWordPiece } from '../../src/engine/pretrain/wordpiece-trainer.js';
import { buildVocabulary, writeTokenizerFiles } from '../../src/engine/pretrain/vocabulary.js';
import { SPECIAL_TOKENS } from '../../src/engine/model/wordpiece-vocab.js';

const texts = [
  'The baker baked bread and the bakers baked more bread.',
  'Reading a book is relaxing; rereading a good book is better.',
  'Runners were running, the runner ran faster than other runners.',
  'Unbelievable baking, unbelievably good bread!',
  'She reads books, he read the readings, they are readers.',
];
const corpus = Array.from({ length: 20 }, (_, i) => texts[i % texts.length]!);

let dir: string | undefined;
after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

test('the vocabulary has the size asked, specials first, and frequent words whole', () => {
  const vocab = buildVocabulary(corpus, { vocabSize: 120, lowercase: true });
  assert.equal(vocab.length, 120);
  assert.deepEqual(vocab.slice(0, SPECIAL_TOKENS.length), [...SPECIAL_TOKENS]);
  assert.equal(new Set(vocab).size, vocab.length, 'no duplicates');
  for (const w of ['the', 'bread', 'book', 'baked']) assert.ok(vocab.includes(w), `"${w}" should be a whole entry`);
  // Every character and its ## form is there, so any word of these characters tokenizes.
  for (const ch of new Set(corpus.join('').toLowerCase().replace(/[^a-z]/g, ''))) {
    assert.ok(vocab.includes(ch) && vocab.includes(`##${ch}`), ch);
  }
  // Merged continuations such as "##ing" / "##ers" appear: pieces are shared between words.
  assert.ok(vocab.some((t) => t.startsWith('##') && t.length > 3), 'some multi-character continuation pieces');
  assert.deepEqual(buildVocabulary(corpus, { vocabSize: 120, lowercase: true }), vocab, 'deterministic');
});

test('merges follow pair frequency: the most frequent pair is merged first', () => {
  const counts = new Map([['abab', 10], ['abc', 3], ['xy', 1]]);
  const vocab = trainWordPiece(counts, { vocabSize: SPECIAL_TOKENS.length + 5 * 2 + 1, lowercase: true, minFrequency: 1 });
  // Alphabet a b c x y (+ ## forms), then the first merge: "a ##b" occurs 2·10 + 3 = 23 times.
  assert.equal(vocab.at(-1), 'ab');
  const more = trainWordPiece(counts, { vocabSize: SPECIAL_TOKENS.length + 5 * 2 + 2, lowercase: true, minFrequency: 1 });
  assert.equal(more.at(-1), '##ab', 'then "##a ##b" (10 times; ties "ab ##a", broken by code order)');
});

test('too small a size is refused with the size needed; too little text pads with [unusedN]', () => {
  assert.throws(() => trainWordPiece(countWords(['abc'], true), { vocabSize: 6, lowercase: true, minFrequency: 1 }), /too small.*need 11/);
  const v = trainWordPiece(countWords(['ab ab ab'], true), { vocabSize: 20, lowercase: true, minFrequency: 1 });
  assert.equal(v.length, 20);
  assert.ok(v.includes('[unused0]'));
});

test('tokenizer.json loads in @huggingface/tokenizers and transformers.js with the same ids', async () => {
  const vocab = buildVocabulary(corpus, { vocabSize: 150, lowercase: true });
  dir = await mkdtemp(join(tmpdir(), 'sl-vocab-'));
  await writeTokenizerFiles(dir, vocab, { lowercase: true, maxLength: 64 });
  assert.deepEqual((await readFile(join(dir, 'vocab.txt'), 'utf8')).trim().split('\n'), vocab);
  const ours = await SentenceTokenizer.load(dir);
  assert.equal(ours.vocabSize, 150);
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const reference = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const probe = ['The BAKERS baked unbelievable bread.', 'Rereading books: readers!', 'breadbooks rebaking', ''];
  const ids = ours.encode(probe, 64).ids;
  probe.forEach((t, i) => assert.deepEqual(ids[i], reference.encode(t), t));
  const bread = ids[0]!.slice(1, -1).map((id) => vocab[id]);
  assert.ok(bread.includes('bread') && bread.includes('baked'), `frequent words are single tokens: ${bread.join(' ')}`);
  assert.ok(!ids[2]!.includes(vocab.indexOf('[UNK]')), 'an unseen word of known letters splits into pieces, not [UNK]');
});
