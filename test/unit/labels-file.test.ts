// The labels CSV as a person meets it on disk: quoting, one row per sentence, new columns,
// hand edits kept, broken files reported with their line and never overwritten.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { labelOf, readLabels, serializeLabels, setLabel, updateLabelsFile } from '../../src/engine/data/labels-file.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { tempDir } from '../support/model-folder.js';

const label = (sentence: string, task: string, l: string) => (t: Parameters<typeof setLabel>[0]) => setLabel(t, sentence, task, l);

test('the first label creates the file with a header; awkward sentences round-trip through RFC 4180 quoting', async () => {
  const dir = await tempDir();
  const path = join(dir, '.sentence-lens', 'labels.csv');
  const awkward = ['The soup, sadly, was cold.', 'She said "wow" twice.', 'A line\nbreak inside', ' leading space', 'plain sentence'];
  for (const s of awkward) await updateLabelsFile(path, label(s, 'sentiment', 'negative'));
  const text = await readFile(path, 'utf8');
  assert.equal(text.split('\n')[0], 'sentence,sentiment');
  assert.match(text, /^"The soup, sadly, was cold\.",negative$/m);
  assert.match(text, /^"She said ""wow"" twice\.",negative$/m);
  assert.match(text, /^plain sentence,negative$/m);
  // An independent reader sees exactly the sentences we wrote.
  const records = parse(text, { columns: true }) as { sentence: string; sentiment: string }[];
  assert.deepEqual(records.map((r) => r.sentence), awkward);
  assert.deepEqual((await readLabels(path)).rows.map((r) => r.sentence), awkward);
  assert.deepEqual(await readdir(join(dir, '.sentence-lens')), ['labels.csv'], 'no temp file left behind');
});

test('labelling a sentence again updates its row instead of adding one', async () => {
  const path = join(await tempDir(), 'labels.csv');
  await updateLabelsFile(path, label('It rained all match.', 'sentiment', 'positive'));
  await updateLabelsFile(path, label('Another one.', 'sentiment', 'positive'));
  await updateLabelsFile(path, label('It rained all match.', 'sentiment', 'negative'));
  assert.equal(await readFile(path, 'utf8'), 'sentence,sentiment\nIt rained all match.,negative\nAnother one.,positive\n');
});

test('a task the file lacks becomes a new column; other rows get an empty cell', async () => {
  const path = join(await tempDir(), 'labels.csv');
  await writeFile(path, 'sentence,sentiment\nGood bread.,positive\n');
  await updateLabelsFile(path, label('Good bread.', 'topic', 'food'));
  await updateLabelsFile(path, label('A new one.', 'topic', 'reading'));
  assert.equal(await readFile(path, 'utf8'), 'sentence,sentiment,topic\nGood bread.,positive,food\nA new one.,,reading\n');
  const t = await readLabels(path);
  assert.equal(labelOf(t, 'A new one.', 'sentiment'), '');
  assert.equal(labelOf(t, 'Unknown.', 'sentiment'), undefined);
});

test('edits made by hand are kept (the file is re-read before each write), CRLF included', async () => {
  const path = join(await tempDir(), 'labels.csv');
  await updateLabelsFile(path, label('One.', 'topic', 'food'));
  await writeFile(path, 'sentence,topic\r\nOne.,sports\r\nTyped by hand.,reading\r\n');
  await updateLabelsFile(path, label('Two.', 'topic', 'food'));
  assert.equal(await readFile(path, 'utf8'), 'sentence,topic\r\nOne.,sports\r\nTyped by hand.,reading\r\nTwo.,food\r\n');
});

test('a hand-broken file is reported with its line and left exactly as it was', async () => {
  const path = join(await tempDir(), 'labels.csv');
  const cases: [string, RegExp][] = [
    ['sentence,topic\nFine.,food\nToo, many, fields,x\n', /labels\.csv:3: expected 2 fields \(sentence, topic\), found 4/],
    ['sentence,topic\nSame.,food\nOther.,food\nSame.,sports\n', /labels\.csv:4: this sentence is already labelled on line 2/],
    ['text,topic\nA.,food\n', /labels\.csv:1: the first column must be "sentence"/],
    ['sentence,my topic\nA.,food\n', /labels\.csv:1: column 2 is named "my topic"/],
    ['sentence,topic\nA.,food\n"Never closed,food\n', /labels\.csv:3:1: the quote .* is never closed/],
  ];
  for (const [content, message] of cases) {
    await writeFile(path, content);
    await assert.rejects(updateLabelsFile(path, label('New.', 'topic', 'food')), (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_CSV' && message.test(e.message));
    assert.equal(await readFile(path, 'utf8'), content, `untouched after ${message}`);
  }
});

test('clearing the last label of a row added by mistake removes the row (undo), and a row with other labels stays', () => {
  let t = setLabel(setLabel({ tasks: [], rows: [], eol: '\n' }, 'A.', 'topic', 'food'), 'B.', 'topic', 'sports');
  t = setLabel(t, 'B.', 'sentiment', 'positive');
  t = setLabel(t, 'A.', 'topic', '', { dropEmptyRow: true });
  t = setLabel(t, 'B.', 'topic', '', { dropEmptyRow: true });
  assert.equal(serializeLabels(t), 'sentence,topic,sentiment\nB.,,positive\n');
});
