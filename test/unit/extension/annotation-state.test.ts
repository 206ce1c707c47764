import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Annotation, diffSentences, mergeAnnotations, shiftAnnotations, stillInPlace } from '../../../src/extension/annotation-state.js';
import type { Classification } from '../../../src/protocol.js';
import { documentSentences } from '../../../src/text/sentences.js';

const sentenceRanges = (text: string) => documentSentences(text, 'plaintext');

const r = (label: string): Classification => ({ tasks: { topic: { label, probs: { [label]: 1 } } }, truncated: false });
const annotate = (text: string): Annotation[] => sentenceRanges(text).map((s) => ({ ...s, result: r(s.text) }));

/** Applies VS Code-style changes (offsets of the text before the batch). */
function apply(text: string, changes: { start: number; end: number; text: string }[]): string {
  for (const c of [...changes].sort((a, b) => b.start - a.start)) text = text.slice(0, c.start) + c.text + text.slice(c.end);
  return text;
}

test('edits inside one sentence drop only it; later ones shift', () => {
  const before = 'The soup was hot. We lost the match. A good book.';
  const anns = annotate(before);
  const at = before.indexOf('lost');
  const change = { start: at, end: at + 4, text: 'won' };
  const after = apply(before, [change]);
  const moved = shiftAnnotations(anns, [{ start: change.start, end: change.end, newLength: change.text.length }]);
  assert.deepEqual(moved.map((a) => a.text), ['The soup was hot.', 'A good book.']);
  for (const a of moved) assert.equal(after.slice(a.start, a.end), a.text);

  const d = diffSentences(moved, sentenceRanges(after));
  assert.deepEqual(d.keep.map((a) => a.text), ['The soup was hot.', 'A good book.']);
  assert.deepEqual(d.toClassify.map((s) => s.text), ['We won the match.']);
  assert.deepEqual(d.reused, []);
});

test('typing before a sentence or right after it keeps it', () => {
  const before = 'First. Second.';
  const anns = annotate(before);
  const changes = [
    { start: 0, end: 0, text: 'New. ' },
    { start: before.length, end: before.length, text: ' Third.' },
  ];
  const after = apply(before, changes);
  const moved = shiftAnnotations(anns, changes.map((c) => ({ start: c.start, end: c.end, newLength: c.text.length })));
  assert.equal(moved.length, 2);
  for (const a of moved) assert.equal(after.slice(a.start, a.end), a.text);
  const d = diffSentences(moved, sentenceRanges(after));
  assert.deepEqual(d.toClassify.map((s) => s.text), ['New.', 'Third.']);
  assert.equal(d.keep.length, 2);
});

test('a sentence that moves or reappears reuses its result', () => {
  const anns = annotate('Alpha here. Beta here.');
  const d = diffSentences([], sentenceRanges('Beta here. Alpha here.'), new Map(anns.map((a) => [a.text, a.result])));
  assert.deepEqual(d.reused.map((a) => [a.text, a.result.tasks.topic!.label]), [['Beta here.', 'Beta here.'], ['Alpha here.', 'Alpha here.']]);
  assert.deepEqual(d.toClassify, []);
});

test('deleting across sentences drops every touched one', () => {
  const before = 'One. Two. Three. Four.';
  const anns = annotate(before);
  const start = before.indexOf('wo');
  const end = before.indexOf('hree') + 2;
  const moved = shiftAnnotations(anns, [{ start, end, newLength: 0 }]);
  assert.deepEqual(moved.map((a) => a.text), ['One.', 'Four.']);
  assert.equal(apply(before, [{ start, end, text: '' }]).slice(moved[1]!.start, moved[1]!.end), 'Four.');
});

test('merge replaces overlapping annotations and sorts', () => {
  const old = annotate('One two. Three four.');
  const whole: Annotation = { start: 0, end: 20, text: 'One two. Three four.', result: r('x') };
  assert.deepEqual(mergeAnnotations(old, [whole]).map((a) => a.text), ['One two. Three four.']);
  assert.deepEqual(mergeAnnotations([old[1]!], [old[0]!]).map((a) => a.start), [0, 9]);
});

test('annotation chunks: every sentence once, by length, at most `size` each', async () => {
  const { annotationChunks } = await import('../../../src/extension/annotation-state.js');
  const s = sentenceRanges('A much longer sentence here. Short. Mid one here. X.');
  const chunks = annotationChunks(s, 3);
  assert.deepEqual(chunks.map((c) => c.length), [3, 1]);
  assert.deepEqual(chunks.flat().map((x) => x.text), ['X.', 'Short.', 'Mid one here.', 'A much longer sentence here.']);
});

test('results for a document edited meanwhile: only sentences still in place are kept', () => {
  const before = 'The soup was hot. We lost the match. A good book.';
  const anns = annotate(before);
  // The middle sentence was edited while the request ran; the others did not move.
  const after = before.replace('lost', 'won!');
  assert.deepEqual(stillInPlace(anns, after).map((a) => a.text), ['The soup was hot.', 'A good book.']);
  // Text inserted before every sentence moves them all: none is where its result says.
  assert.deepEqual(stillInPlace(anns, `Hi. ${before}`), []);
  assert.deepEqual(stillInPlace(anns, before), anns);
});
