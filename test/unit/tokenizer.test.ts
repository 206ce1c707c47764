import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { generateModelFolder, readBundledSentences } from '../../src/engine/model/generate.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { SentenceLensError } from '../../src/engine/errors.js';

let dir: string;
let tok: SentenceTokenizer;
let vocab: string[];
const id = (token: string): number => {
  const i = vocab.indexOf(token);
  assert.ok(i >= 0, `"${token}" should be in vocab.txt`);
  return i;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sl-tok-'));
  await generateModelFolder(join(dir, 'model'), { seed: 11 });
  tok = await SentenceTokenizer.load(join(dir, 'model'));
  vocab = (await readFile(join(dir, 'model', 'vocab.txt'), 'utf8')).split('\n').filter((l) => l.length > 0);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('encode gives [CLS] … [SEP] with the ids of vocab.txt', () => {
  const { ids, truncated } = tok.encode(['The soup was WARM.', 'Reading, football!'], 64);
  assert.deepEqual(ids[0], [id('[CLS]'), id('the'), id('soup'), id('was'), id('warm'), id('.'), id('[SEP]')]);
  assert.deepEqual(ids[1], [id('[CLS]'), id('reading'), id(','), id('football'), id('!'), id('[SEP]')]);
  assert.deepEqual(truncated, [false, false]);
  assert.equal(tok.padId, 0);
  assert.equal(tok.vocabSize, vocab.length);
});

test('an unknown word becomes subword pieces, an unknown character [UNK]', () => {
  const { ids } = tok.encode(['zebra', '€'], 64);
  // Every character is in the vocabulary, so an unseen word splits into character pieces.
  assert.deepEqual(ids[0], [id('[CLS]'), id('z'), id('##e'), id('##b'), id('##r'), id('##a'), id('[SEP]')]);
  assert.deepEqual(ids[1], [id('[CLS]'), id('[UNK]'), id('[SEP]')]);
});

test('truncation keeps [SEP] and reports which texts were cut', () => {
  const long = 'the chef added too much salt to the pasta';
  const { ids, truncated } = tok.encode([long, 'the soup', ''], 5);
  assert.deepEqual(ids[0], [id('[CLS]'), id('the'), id('chef'), id('added'), id('[SEP]')]);
  assert.deepEqual(ids[1], [id('[CLS]'), id('the'), id('soup'), id('[SEP]')]);
  assert.deepEqual(ids[2], [id('[CLS]'), id('[SEP]')]);
  assert.deepEqual(truncated, [true, false, false]);
  // Exactly at the limit is not truncated.
  const exact = tok.encode(['the soup was'], 5);
  assert.equal(exact.ids[0]!.length, 5);
  assert.deepEqual(exact.truncated, [false]);
  assert.deepEqual(tok.encode([long], 2).ids[0], [id('[CLS]'), id('[SEP]')]);
  assert.throws(() => tok.encode([long], 1), (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_ARGUMENT');
});

test('pad() gives row-major right-padded tensors with mask and zero type ids', () => {
  const p = SentenceTokenizer.pad([[2, 10, 3], [2, 3], [2, 11, 12, 13, 3]], 0);
  assert.equal(p.batch, 3);
  assert.equal(p.seqLen, 5);
  assert.deepEqual([...p.inputIds], [2n, 10n, 3n, 0n, 0n, 2n, 3n, 0n, 0n, 0n, 2n, 11n, 12n, 13n, 3n]);
  assert.deepEqual([...p.attentionMask], [1n, 1n, 1n, 0n, 0n, 1n, 1n, 0n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
  assert.deepEqual([...p.tokenTypeIds], new Array(15).fill(0n));
  const q = SentenceTokenizer.pad([[5], []], 9);
  assert.deepEqual([...q.inputIds], [5n, 9n]);
  assert.deepEqual([...q.attentionMask], [1n, 0n]);
  assert.equal(q.seqLen, 1);
  assert.deepEqual([...SentenceTokenizer.pad([[5, 6], [7]], 9).inputIds], [5n, 6n, 7n, 9n]);
});

test('a folder without tokenizer.json gives MISSING_FILE naming folder and file', async () => {
  const empty = join(dir, 'empty');
  await mkdir(empty);
  await assert.rejects(SentenceTokenizer.load(empty), (e: unknown) => {
    assert.ok(e instanceof SentenceLensError);
    assert.equal(e.code, 'MISSING_FILE');
    assert.ok(e.message.includes(empty) && e.message.includes('tokenizer.json'), e.message);
    return true;
  });
});

test('a folder with tokenizer.json alone (as xlm-roberta-base and roberta-base ship) tokenizes the same, specials from the vocabulary', async () => {
  const partial = join(dir, 'partial');
  await mkdir(partial);
  await copyFile(join(dir, 'model', 'tokenizer.json'), join(partial, 'tokenizer.json'));
  const alone = await SentenceTokenizer.load(partial);
  const texts = ['The soup was WARM.', 'zebra €'];
  assert.deepEqual(alone.encode(texts, 64).ids, tok.encode(texts, 64).ids);
  assert.equal(alone.padId, id('[PAD]'));
  assert.ok(alone.encode(['€'], 8).ids[0]!.includes(id('[UNK]')));
});

test('a relative folder path loads the same tokenizer', async () => {
  // transformers.js would read a relative "a/b" as a hub id under env.localModelPath.
  const rel = relative(process.cwd(), join(dir, 'model'));
  assert.ok(!isAbsolute(rel));
  const relTok = await SentenceTokenizer.load(rel);
  assert.deepEqual(relTok.encode(['the soup'], 8).ids, tok.encode(['the soup'], 8).ids);
});

test('untruncated ids match transformers.js encoding exactly', async () => {
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const reference = await AutoTokenizer.from_pretrained(join(dir, 'model'), { local_files_only: true });
  const texts = ['The soup was WARM.', 'Café naïve résumé', "I can't decide", 'zebra  €  [MASK] tabs\tand\nlines', ''];
  const ours = tok.encode(texts, 128).ids;
  texts.forEach((t, i) => assert.deepEqual(ours[i], reference.encode(t), JSON.stringify(t)));
});

test('unknown-word share: 0 for known English, high for a language the vocabulary lacks', async () => {
  // A vocabulary built from English sentences only (the bundled data), as the first offline model's was.
  await generateModelFolder(join(dir, 'english'), { texts: await readBundledSentences(), seed: 3 });
  const offline = await SentenceTokenizer.load(join(dir, 'english'));
  const { unknownShare } = offline.encode(
    [
      'The soup was warm and full of fresh vegetables.',
      '我们喜欢吃面条。',
      'Das Essen war wirklich ausgezeichnet und die Bedienung freundlich.',
      'الطعام كان لذيذا جدا',
      '...!?',
    ],
    128,
  );
  assert.equal(unknownShare[0], 0);
  assert.equal(unknownShare[1], 1, 'every Chinese character is [UNK]');
  assert.ok(unknownShare[2]! >= 0.8, `German is spelled out letter by letter: ${unknownShare[2]}`);
  assert.equal(unknownShare[3], 1, 'Arabic is [UNK]');
  assert.equal(unknownShare[4], 0, 'punctuation alone has no words');
});
