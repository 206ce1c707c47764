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
