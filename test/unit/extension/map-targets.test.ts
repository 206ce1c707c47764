import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insideFolders, isCsvPath, pointAt } from '../../../src/extension/map/map-targets.js';
import { documentSentences } from '../../../src/text/sentences.js';

const sentenceRanges = (text: string) => documentSentences(text, 'plaintext');

test('pointAt: the sentence a cursor offset is in, its end included; none between sentences', () => {
  const text = 'First one. Second one here.\n\nThird.';
  const ranges = sentenceRanges(text);
  assert.equal(ranges.length, 3);
  assert.equal(pointAt(ranges, 0), 0);
  assert.equal(pointAt(ranges, text.indexOf('one.') + 4), 0, 'just after the full stop');
  assert.equal(pointAt(ranges, text.indexOf('Second') + 3), 1);
  assert.equal(pointAt(ranges, text.indexOf('\n') + 1), undefined, 'the blank line');
  assert.equal(pointAt(ranges, text.length), 2);
  assert.equal(pointAt([], 0), undefined);
  // Every offset of every sentence maps back to it (binary search over many ranges).
  const many = sentenceRanges(Array.from({ length: 500 }, (_, i) => `Sentence ${i}.`).join(' '));
  many.forEach((r, i) => {
    assert.equal(pointAt(many, r.start), i);
    assert.equal(pointAt(many, r.end), i);
  });
});

test('insideFolders: the workspace and below, never a sibling or ..', () => {
  assert.equal(insideFolders('/ws/data/a.csv', ['/other', '/ws']), true);
  assert.equal(insideFolders('/ws', ['/ws']), true);
  assert.equal(insideFolders('/ws/../etc/passwd', ['/ws']), false);
  assert.equal(insideFolders('/ws-evil/a.csv', ['/ws']), false);
  assert.equal(insideFolders('/etc/a.csv', []), false);
  assert.equal(isCsvPath('/a/B.CSV'), true);
  assert.equal(isCsvPath('/a/b.csv.txt'), false);
});
