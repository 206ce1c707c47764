import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelAt, labelIndex, mergeVocab, validateVocab, vocabFromLabels } from '../../src/engine/data/labels.js';
import { detectDelimiter } from '../../src/engine/data/delimiter.js';
import { firstInvalidUtf8Offset } from '../../src/engine/data/utf8.js';
import { SentenceLensError } from '../../src/engine/errors.js';

test('vocabularies sort by code unit, or by value when every label is a number', () => {
  assert.deepEqual(vocabFromLabels(['b', 'B', 'a', 'b']), ['B', 'a', 'b']);
  assert.deepEqual(vocabFromLabels(['10', '9', '-1', '2.5']), ['-1', '2.5', '9', '10']);
  assert.deepEqual(vocabFromLabels([]), []);
});

test('labels map to indices and back', () => {
  const vocab = ['neg', 'pos'];
  assert.equal(labelIndex(vocab).get('pos'), 1);
  assert.equal(labelAt('sentiment', vocab, 0), 'neg');
  assert.throws(() => labelAt('sentiment', vocab, 2), (e: unknown) => e instanceof SentenceLensError && /index 2 is out of range; expected 0..1/.test(e.message));
});

test('merging keeps the fixed order and appends new labels sorted', () => {
  assert.deepEqual(mergeVocab(['pos', 'neg'], ['neutral', 'neg', 'mixed']), ['pos', 'neg', 'mixed', 'neutral']);
});

test('fixed vocabularies must not repeat or contain blanks', () => {
  assert.throws(() => validateVocab('t', ['a', 'a']), /lists 'a' twice/);
  assert.throws(() => validateVocab('t', ['a', ' ']), /blank label/);
  validateVocab('t', ['a', 'b']);
});

test('delimiter detection looks only at the header, outside quotes', () => {
  assert.equal(detectDelimiter('text;label\na,b,c,d;x'), ';');
  assert.equal(detectDelimiter('\n\ntext\tlabel\n'), '\t');
  assert.equal(detectDelimiter('"a;b;c",label\n'), ',');
  assert.equal(detectDelimiter('text\na;b;c'), ',');
});

test('invalid UTF-8 is located at the first bad sequence', () => {
  assert.equal(firstInvalidUtf8Offset(Buffer.from('héllo ✓ 😀')), -1);
  assert.equal(firstInvalidUtf8Offset(Buffer.from([0x61, 0xc0, 0x80])), 1); // overlong
  assert.equal(firstInvalidUtf8Offset(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1); // surrogate
  assert.equal(firstInvalidUtf8Offset(Buffer.from([0x61, 0x62, 0xf0, 0x9f])), 2); // truncated
});

test('the UTF-8 locator agrees with the fatal TextDecoder on random bytes', async () => {
  const { Rng } = await import('../../src/engine/random.js');
  const rng = new Rng(11);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let n = 0; n < 2000; n++) {
    const bytes = Uint8Array.from({ length: 1 + rng.int(8) }, () => (rng.next() < 0.5 ? 0x80 + rng.int(0x80) : rng.int(0x100)));
    const offset = firstInvalidUtf8Offset(bytes);
    let valid = true;
    try {
      decoder.decode(bytes);
    } catch {
      valid = false;
    }
    assert.equal(offset === -1, valid, `bytes ${Buffer.from(bytes).toString('hex')}`);
    // Everything before the reported offset is valid on its own.
    if (offset > 0) decoder.decode(bytes.subarray(0, offset));
  }
});
