import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sentenceSegments } from '../../../src/text/segment.js';
import { documentSentences, sentenceAt, sentencesIn } from '../../../src/text/sentences.js';

/** Plain text, read as a plain-text document is. */
const sentenceRanges = (text: string) => documentSentences(text, 'plaintext');

test('sentence ranges are trimmed, with document offsets', () => {
  const text = '  The soup was hot.  We lost!\nIs it open?\n\n';
  const r = sentenceRanges(text);
  assert.deepEqual(r.map((s) => s.text), ['The soup was hot.', 'We lost!', 'Is it open?']);
  for (const s of r) assert.equal(text.slice(s.start, s.end), s.text);
  assert.equal(r[0]!.start, 2);
  assert.deepEqual(sentencesIn(`${'x'.repeat(100)}Hi there.`, 100, 109), [{ start: 100, end: 109, text: 'Hi there.' }]);
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

test('long texts are segmented in windows with the same result as in one go', async () => {
  const { readBundledSentences } = await import('../../../src/engine/model/generate.js');
  const b = await readBundledSentences();
  const extra = ['Mr. Smith met Dr. Jones at 3 p.m. yesterday.', 'He said "Stop." and left.', 'e.g. this one... and that one?!', 'A'.repeat(9000) + '.'];
  const parts = Array.from({ length: 600 }, (_, i) => (i % 50 === 7 ? extra[i % extra.length]! : b[i % b.length]!));
  for (const text of [parts.join(' '), parts.join('\n'), parts.join('  \r\n')]) {
    const whole = [...sentenceSegments(text, undefined, Number.MAX_SAFE_INTEGER)].map((s) => [s.index, s.segment]);
    const windowed = [...sentenceSegments(text)].map((s) => [s.index, s.segment]);
    assert.deepEqual(windowed, whole);
    assert.equal(windowed.map((s) => s[1]).join(''), text, 'segments cover the text exactly');
  }
});

// Sentences as people write them: abbreviations, initials, decimals, ellipses, quotes, other scripts.
const CASES: readonly (readonly [string, readonly string[]])[] = [
  ['Dr. Smith ate 3.5 kg of pasta. He was full.', ['Dr. Smith ate 3.5 kg of pasta.', 'He was full.']],
  ['Mr. J. R. R. Tolkien wrote it. It sold well.', ['Mr. J. R. R. Tolkien wrote it.', 'It sold well.']],
  ['We met at 5 p.m. on Friday. It rained.', ['We met at 5 p.m. on Friday.', 'It rained.']],
  ['Prices rose 2.5% in the U.S. last year. Analysts were surprised.', ['Prices rose 2.5% in the U.S. last year.', 'Analysts were surprised.']],
  ['See e.g. the appendix, i.e. the last page. It is short.', ['See e.g. the appendix, i.e. the last page.', 'It is short.']],
  ['“Great food,” said Prof. Brown. We agreed.', ['“Great food,” said Prof. Brown.', 'We agreed.']],
  ['Ask Mrs. Brown at St. Louis Univ. tomorrow. She knows.', ['Ask Mrs. Brown at St. Louis Univ. tomorrow.', 'She knows.']],
  ['She said, "I love it." Then she left.', ['She said, "I love it."', 'Then she left.']],
  ['Wait... what happened? Nobody knows!', ['Wait... what happened?', 'Nobody knows!']],
  ['It was late... We went home.', ['It was late...', 'We went home.']],
  ['(This is in brackets.) This is not.', ['(This is in brackets.)', 'This is not.']],
  ['Version 1.2.3 is out. Update now.', ['Version 1.2.3 is out.', 'Update now.']],
  ['I saw Bob. He left.', ['I saw Bob.', 'He left.']],
  ['Good. Bad. Fine.', ['Good.', 'Bad.', 'Fine.']],
  ['Is it true?! Yes.', ['Is it true?!', 'Yes.']],
  ['我们喜欢吃面条。天气很好！你呢？', ['我们喜欢吃面条。', '天气很好！', '你呢？']],
  ['Das Essen war gut. Wir waren z.B. gestern dort. Es war toll.', ['Das Essen war gut.', 'Wir waren z.B. gestern dort.', 'Es war toll.']],
];

test('a table of sentences as people write them', () => {
  for (const [text, want] of CASES) {
    assert.deepEqual(sentenceRanges(text).map((s) => s.text), want, text);
  }
});
