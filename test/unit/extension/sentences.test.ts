import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sentenceAt, sentenceRanges, sentencesIn } from '../../../src/extension/sentences.js';

test('sentence ranges are trimmed, with document offsets', () => {
  const text = '  The soup was hot.  We lost!\nIs it open?\n\n';
  const r = sentenceRanges(text);
  assert.deepEqual(r.map((s) => s.text), ['The soup was hot.', 'We lost!', 'Is it open?']);
  for (const s of r) assert.equal(text.slice(s.start, s.end), s.text);
  assert.equal(r[0]!.start, 2);
  assert.deepEqual(sentenceRanges('Hi there.', 100)[0], { start: 100, end: 109, text: 'Hi there.' });
});

test('abbreviation-free prose, lines without punctuation, empty text', () => {
  assert.deepEqual(sentenceRanges('first line\nsecond line').map((s) => s.text), ['first line', 'second line']);
  assert.deepEqual(sentenceRanges(''), []);
  assert.deepEqual(sentenceRanges(' \n\t '), []);
});

test('UTF-16 offsets with astral characters', () => {
  const text = 'I love 🍕 so much. Great 📚!';
  const r = sentenceRanges(text);
  assert.equal(r.length, 2);
  assert.equal(text.slice(r[1]!.start, r[1]!.end), 'Great 📚!');
  assert.equal(r[1]!.start, text.indexOf('Great'));
});

test('sentence at the cursor: inside, at its end, in the gap, on a blank line', () => {
  const text = 'One two. Three four.\n\nFive.';
  assert.equal(sentenceAt(text, 2)?.text, 'One two.');
  assert.equal(sentenceAt(text, 8)?.text, 'One two.'); // just after the full stop
  assert.equal(sentenceAt(text, 12)?.text, 'Three four.');
  assert.equal(sentenceAt(text, 21), undefined); // the blank line
  assert.equal(sentenceAt(text, text.length)?.text, 'Five.');
});

test('sentences of a selection keep document offsets', () => {
  const text = 'Intro. First one. Second one. Outro.';
  const start = text.indexOf('First');
  const end = text.indexOf(' Outro');
  const r = sentencesIn(text, start, end);
  assert.deepEqual(r.map((s) => s.text), ['First one.', 'Second one.']);
  for (const s of r) assert.equal(text.slice(s.start, s.end), s.text);
});

test('long texts are segmented in pieces with the same result as in one go', async () => {
  const { readBundledSentences } = await import('../../../src/engine/model/generate.js');
  const b = await readBundledSentences();
  const extra = ['Mr. Smith met Dr. Jones at 3 p.m. yesterday.', 'He said "Stop." and left.', 'e.g. this one... and that one?!', 'A'.repeat(9000) + '.'];
  const parts = Array.from({ length: 600 }, (_, i) => (i % 50 === 7 ? extra[i % extra.length]! : b[i % b.length]!));
  for (const text of [parts.join(' '), parts.join('\n'), parts.join('  \r\n')]) {
    const whole = [...new Intl.Segmenter(undefined, { granularity: 'sentence' }).segment(text)]
      .map((s) => ({ t: s.segment.trim(), i: s.index + s.segment.length - s.segment.trimStart().length }))
      .filter((s) => s.t);
    const mine = sentenceRanges(text);
    assert.deepEqual(mine.map((s) => [s.start, s.text]), whole.map((s) => [s.i, s.t]));
  }
});
