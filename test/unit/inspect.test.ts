/** What the training panel shows of a CSV: preview, the guess and what it left out, counts, located problems. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectCsv, locateMessage } from '../../src/engine/data/inspect.js';
import { tempDir } from '../support/model-folder.js';

const dir = await tempDir('sl-inspect-');
async function csv(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

test('a good file: header, first rows, the guess with the columns it left out, and label counts', async () => {
  const rows = Array.from({ length: 12 }, (_, i) => `sentence ${i},${i % 3 ? 'calm' : 'angry'},note ${i},x`);
  const p = await csv('mood.csv', `text,mood,notes,const\n${rows.join('\n')}\n`);
  const r = await inspectCsv(p, { previewRows: 3 });
  assert.deepEqual(r.header, ['text', 'mood', 'notes', 'const']);
  assert.deepEqual(r.preview, [['sentence 0', 'angry', 'note 0', 'x'], ['sentence 1', 'calm', 'note 1', 'x'], ['sentence 2', 'calm', 'note 2', 'x']]);
  assert.equal(r.rows, 12);
  assert.deepEqual(r.guess?.tasks, [{ name: 'mood', column: 'mood' }]);
  assert.deepEqual(r.guess?.excluded.map((e) => e.column), ['notes', 'const']);
  assert.match(r.guess!.excluded[1]!.reason, /one value \('x'\) on every row/);
  assert.deepEqual(r.labelCounts, { mood: { angry: 4, calm: 8 } });
  assert.equal(r.error, undefined);
  assert.ok(r.warnings.some((w) => w.location?.line === 1 && w.location.column === 3 && /'notes' is not used as a task/.test(w.message)));
});

test('a mapping asked for counts that mapping, and a column that is not there is an error at the header', async () => {
  const p = await csv('two.csv', 'text,a,b\nx,1,p\ny,2,q\nz,1,q\n');
  const r = await inspectCsv(p, { tasks: { first: 'a', second: 'b' } });
  assert.deepEqual(r.labelCounts, { first: { '1': 2, '2': 1 }, second: { p: 1, q: 2 } });
  const missing = await inspectCsv(p, { tasks: { t: 'nope' } });
  assert.deepEqual(missing.error?.location, { file: p, line: 1 });
  assert.match(missing.error!.message, /column 'nope' \(from tasks\.t\) is not in the header/);
  assert.equal(missing.rows, 3, 'the preview is still there');
});

test('a malformed row is an error located at its line and field, with the preview kept', async () => {
  const p = await csv('bad.csv', 'text,mood\nA quiet evening.,calm\nThis line has, one field too many,angry\n');
  const r = await inspectCsv(p);
  assert.deepEqual(r.error?.location, { file: p, line: 3, column: 3 });
  assert.match(r.error!.message, /:3:3: found 3 fields, expected 2/);
  assert.deepEqual(r.header, ['text', 'mood']);
  const quote = await csv('quote.csv', 'text,mood\n"unclosed,calm\n');
  const q = await inspectCsv(quote);
  assert.ok(q.error, 'an unclosed quote is reported');
  assert.equal(q.error!.location?.file, quote);
});

test('locateMessage reads FILE:LINE[:COLUMN] back from an engine message', () => {
  assert.deepEqual(locateMessage('/a/b.csv', '/a/b.csv:4:2: x'), { message: '/a/b.csv:4:2: x', location: { file: '/a/b.csv', line: 4, column: 2 } });
  assert.deepEqual(locateMessage('/a/b.csv', '/a/b.csv:9: y')?.location, { file: '/a/b.csv', line: 9 });
  assert.equal(locateMessage('/a/b.csv', 'other: z'), undefined);
});
