import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingCsv, type ReadTrainingCsvOptions, type TrainingCsv } from '../../src/engine/data/csv.js';
import { SentenceLensError } from '../../src/engine/errors.js';

/** Writes `content` to a fresh temp dir and reads it back; the dir is removed afterwards. */
async function withCsv<T>(content: string | Uint8Array, run: (path: string) => Promise<T>, name = 'data.csv'): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sl-csv-'));
  try {
    const path = join(dir, name);
    await writeFile(path, content);
    return await run(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function read(content: string | Uint8Array, options?: ReadTrainingCsvOptions): Promise<TrainingCsv> {
  return withCsv(content, (path) => readTrainingCsv(path, options));
}

/** Expects a SentenceLensError whose message contains every fragment. */
async function rejectsWith(content: string | Uint8Array, options: ReadTrainingCsvOptions | undefined, code: string, ...fragments: (string | RegExp)[]): Promise<string> {
  let message = '';
  await withCsv(content, async (path) => {
    await assert.rejects(readTrainingCsv(path, options), (error: unknown) => {
      assert.ok(error instanceof SentenceLensError, `expected SentenceLensError, got ${String(error)}`);
      assert.equal(error.code, code);
      message = error.message.replaceAll(path, 'FILE');
      for (const f of fragments) {
        if (typeof f === 'string') assert.ok(message.includes(f), `message ${JSON.stringify(message)} lacks ${JSON.stringify(f)}`);
        else assert.match(message, f);
      }
      return true;
    });
  });
  return message;
}

const texts = (csv: TrainingCsv) => csv.rows.map((r) => r.text);
const lines = (csv: TrainingCsv) => csv.rows.map((r) => r.line);

test('reads a plain comma CSV with two tasks and sorted vocabularies', async () => {
  const csv = await read('sentence,topic,sentiment\nGoal!,sports,positive\nRates up,finance,negative\nDraw,sports,negative\n');
  assert.equal(csv.delimiter, ',');
  assert.equal(csv.textColumn, 'sentence');
  assert.deepEqual(csv.tasks, [
    { name: 'topic', column: 'topic', labels: ['finance', 'sports'] },
    { name: 'sentiment', column: 'sentiment', labels: ['negative', 'positive'] },
  ]);
  assert.deepEqual(csv.rows, [
    { line: 2, text: 'Goal!', labels: { topic: 1, sentiment: 1 } },
    { line: 3, text: 'Rates up', labels: { topic: 0, sentiment: 0 } },
    { line: 4, text: 'Draw', labels: { topic: 1, sentiment: 0 } },
  ]);
  assert.deepEqual(csv.warnings, []);
  assert.deepEqual(csv.skipped, []);
});

test('quoted fields keep commas, doubled quotes and embedded newlines; later line numbers stay right', async () => {
  const csv = await read(
    'text,label\n"one, two",a\n"He said ""hi""",b\n"first line\nsecond line\nthird line",a\nafter,b\n"x\r\ny",a\nlast,b',
  );
  assert.deepEqual(texts(csv), ['one, two', 'He said "hi"', 'first line\nsecond line\nthird line', 'after', 'x\ny', 'last']);
  assert.deepEqual(lines(csv), [2, 3, 4, 7, 8, 10]);
});

test('CRLF line endings, a UTF-8 BOM and blank lines', async () => {
  const csv = await read('\ufefftext,label\r\n"multi\r\nline",a\r\n\r\nplain,b\r\n\r\n');
  assert.equal(csv.textColumn, 'text');
  assert.deepEqual(texts(csv), ['multi\nline', 'plain']);
  assert.deepEqual(lines(csv), [2, 5]);
});

test('semicolon and tab delimiters are detected from the header', async () => {
  const semi = await read('text;label\n"a, b, c";x\nd,e;y\n');
  assert.equal(semi.delimiter, ';');
  assert.deepEqual(texts(semi), ['a, b, c', 'd,e']);
  const tab = await read('text\tlabel\nhello, there; friend\tx\nbye\ty\n');
  assert.equal(tab.delimiter, '\t');
  assert.deepEqual(texts(tab), ['hello, there; friend', 'bye']);
  // Delimiters inside a quoted header name do not vote; a tie falls back to comma.
  const quoted = await read('"text; cleaned",label\nhi,a\nho,b\n', { textColumn: 'text; cleaned' });
  assert.equal(quoted.delimiter, ',');
  const tie = await read('text,label;x\nhi,a;1\nho,b;2\n');
  assert.equal(tie.delimiter, ',');
});

test('guesses columns from headers: Text,Category,Polarity', async () => {
  const csv = await read('Text,Category,Polarity\nhi,greeting,pos\nbye,farewell,neg\n');
  assert.equal(csv.textColumn, 'Text');
  assert.deepEqual(
    csv.tasks.map((t) => [t.name, t.column]),
    [['category', 'Category'], ['sentiment', 'Polarity']],
  );
});

test('guesses columns from headers: id,review,label ignores the id column with a warning', async () => {
  const csv = await read('id,review,label\n1,great,good\n2,awful,bad\n');
  assert.equal(csv.textColumn, 'review');
  assert.deepEqual(csv.tasks.map((t) => t.name), ['label']);
  assert.equal(csv.warnings.length, 1);
  assert.equal(csv.warnings[0]!.line, 1);
  assert.equal(csv.warnings[0]!.column, 1);
  assert.match(csv.warnings[0]!.message, /column 'id' is not used/);
});

test('other columns become tasks named after their header; a second sentiment-like column keeps its name', async () => {
  const csv = await read('utterance,Intent,Language,sentiment,emotion\nhi,greet,en,pos,joy\nadios,bye,es,neg,sad\n');
  assert.equal(csv.textColumn, 'utterance');
  assert.deepEqual(csv.tasks.map((t) => t.name), ['intent', 'language', 'sentiment', 'emotion']);
});

test('overrides: textColumn and tasks pick columns explicitly', async () => {
  const csv = await read('a,b,c\nhello,x,1\nworld,y,2\n', { textColumn: 'a', tasks: { topic: 'B' } });
  assert.equal(csv.textColumn, 'a');
  assert.deepEqual(csv.tasks, [{ name: 'topic', column: 'b', labels: ['x', 'y'] }]);
  assert.deepEqual(csv.rows[0]!.labels, { topic: 0 });
  // Column c is reported, not silently dropped.
  assert.ok(csv.warnings.some((w) => w.column === 3 && /'c' is not used/.test(w.message)));
});

test('numeric labels sort by value', async () => {
  const csv = await read('text,stars\na,10\nb,2\nc,1\n');
  assert.deepEqual(csv.tasks[0]!.labels, ['1', '2', '10']);
});

test('labels are trimmed; empty label cells are missing (null)', async () => {
  const csv = await read('text,topic,sentiment\none,  sports , pos\ntwo,,neg\nthree,news,\n');
  assert.deepEqual(csv.tasks.map((t) => t.labels), [['news', 'sports'], ['neg', 'pos']]);
  assert.deepEqual(csv.rows.map((r) => r.labels), [
    { topic: 1, sentiment: 1 },
    { topic: null, sentiment: 0 },
    { topic: 0, sentiment: null },
  ]);
});

test('a row with every label missing is a warning, and is kept', async () => {
  const csv = await read('text,topic,sentiment\none,a,x\ntwo,,\nthree,b,y\n');
  assert.equal(csv.rows.length, 3);
  const w = csv.warnings.find((w) => w.line === 3);
  assert.ok(w);
  assert.match(w.message, /data\.csv:3: the row has no label for any task \(topic, sentiment\); it trains nothing/);
});

test('fixed vocabulary keeps its order; an unknown label names line, column and the allowed labels', async () => {
  const vocab = { sentiment: ['positive', 'negative', 'neutral'] };
  const csv = await read('text,sentiment\na,negative\nb,positive\n', { labelVocab: vocab });
  assert.deepEqual(csv.tasks[0]!.labels, ['positive', 'negative', 'neutral']);
  assert.deepEqual(csv.rows.map((r) => r.labels['sentiment']), [1, 0]);
  await rejectsWith(
    'text,sentiment\na,negative\nb,angry\n',
    { labelVocab: vocab },
    'BAD_CSV',
    "FILE:3:2: unknown label 'angry' for task 'sentiment'",
    "expected one of the checkpoint's labels: 'positive', 'negative', 'neutral'",
  );
});

test('a mapped task with a single label in the data is an error', async () => {
  await rejectsWith(
    'text,topic,sentiment\na,x,positive\nb,y,positive\n',
    { tasks: { topic: 'topic', sentiment: 'sentiment' } },
    'BAD_CSV',
    "FILE:1:3: task 'sentiment' has only one label 'positive' in FILE: a classifier needs at least two",
  );
});

test('a mapped task with no labels at all is an error', async () => {
  await rejectsWith('text,topic,sentiment\na,x,\nb,y,\n', { tasks: { topic: 'topic', sentiment: 'sentiment' } }, 'BAD_CSV', "FILE:1:3: task 'sentiment' has no labels", 'at least two');
});

test('the guess leaves out a column with one value, or none, and says why instead of refusing the file', async () => {
  const one = await read('text,topic,sentiment,source\na,x,positive,\nb,y,positive,\n');
  assert.deepEqual(one.tasks.map((t) => t.name), ['topic']);
  assert.match(one.warnings.find((w) => w.column === 3)!.message, /:1:3: column 'sentiment' is not used as a task: it has one value \('positive'\) on every row/);
  assert.match(one.warnings.find((w) => w.column === 4)!.message, /:1:4: column 'source' is not used as a task: it has no value on any row/);
});

test('when the guess leaves out every column the error lists each with its reason', async () => {
  await rejectsWith('text,sentiment\na,positive\nb,positive\n', undefined, 'BAD_CSV', 'no label columns found', "left out: 'sentiment' has one value ('positive') on every row");
});

test('missing columns named in options list the header', async () => {
  await rejectsWith(
    'text,label\na,x\nb,y\n',
    { tasks: { topic: 'category' } },
    'BAD_CSV',
    "FILE:1: column 'category' (from tasks.topic) is not in the header; expected one of 'text', 'label'",
  );
  await rejectsWith('text,label\na,x\nb,y\n', { textColumn: 'body' }, 'BAD_CSV', "column 'body' (from textColumn)", "'text', 'label'");
});

test('no text column and zero task columns each say what was found and how to map it', async () => {
  await rejectsWith('words,label\na,x\n', undefined, 'BAD_CSV', "FILE:1: no text column found among 'words', 'label'", 'textColumn');
  await rejectsWith('id,text\n1,a\n2,b\n', undefined, 'BAD_CSV', "FILE:1: no label columns found: the header has 'id', 'text'", 'tasks');
});

test('duplicate header names are an error', async () => {
  await rejectsWith('text,label,Label\na,x,y\n', undefined, 'BAD_CSV', "FILE:1:3: duplicate column name 'Label' (also column 2)", 'expected each header name once');
});

test('empty text is an error naming line and column', async () => {
  await rejectsWith('label,text\nx,hello\ny,  \n', undefined, 'BAD_CSV', "FILE:3:2: empty text in column 'text'; expected a sentence");
});

test('ragged rows say how many fields were found and expected', async () => {
  await rejectsWith('text,topic,sentiment\na,x,p\nb,y\n', undefined, 'BAD_CSV', 'FILE:3:3: found 2 fields, expected 3 (text, topic, sentiment)');
  await rejectsWith('text,topic\na,x\n"b\nc",y,extra\n', undefined, 'BAD_CSV', 'FILE:3:3: found 3 fields, expected 2');
});

test('an unclosed quote is always an error with the line where it opened', async () => {
  const message = await rejectsWith(
    'text,label\r\na,x\r\n"multi\r\nline",y\r\nb,"oops\r\nc,d\r\n',
    { onBadRow: 'skip' },
    'BAD_CSV',
    'FILE:5:2: the quote that opens field 2 of the record starting on line 5 is never closed',
    'expected a closing quote',
  );
  assert.ok(!message.includes('Quote Not Closed'));
});

test('invalid UTF-8 is always an error with line and byte column', async () => {
  const bytes = Buffer.concat([Buffer.from('text,label\nhé,x\nab'), Buffer.from([0xff]), Buffer.from('c,y\n')]);
  await rejectsWith(bytes, { onBadRow: 'skip' }, 'BAD_CSV', 'FILE:3:3: invalid UTF-8 (byte 0xff at byte column 3)', 'expected a UTF-8 file');
  // A truncated multi-byte sequence is reported at its lead byte.
  const truncated = Buffer.concat([Buffer.from('text,label\na,x\nb,'), Buffer.from([0xe2, 0x82]), Buffer.from('\n')]);
  await rejectsWith(truncated, undefined, 'BAD_CSV', 'FILE:3:3: invalid UTF-8 (byte 0xe2');
});

test("onBadRow 'skip' skips bad rows and lists every skipped line", async () => {
  const csv = await read(
    'text,sentiment\ngood,positive\n,negative\nthree,fields,here\nok,negative\nodd,angry\nfine,positive\n',
    { onBadRow: 'skip', labelVocab: { sentiment: ['negative', 'positive'] } },
  );
  assert.deepEqual(lines(csv), [2, 5, 7]);
  assert.deepEqual(csv.skipped.map((s) => [s.line, s.column]), [[3, 1], [4, 3], [6, 2]]);
  assert.match(csv.skipped[0]!.message, /:3:1: empty text/);
  assert.match(csv.skipped[1]!.message, /:4:3: found 3 fields, expected 2/);
  assert.match(csv.skipped[2]!.message, /:6:2: unknown label 'angry'/);
});

test('skipping every row is an error, not an empty dataset', async () => {
  await rejectsWith('text,label\n,a\n,b\n', { onBadRow: 'skip' }, 'BAD_CSV', 'all 2 data rows were skipped', 'first on line 2');
});

test('warnings: duplicate rows name both lines; conflicting labels too', async () => {
  const csv = await read('text,label\nsame,a\nother,b\nsame,a\nclash,a\nclash,b\n');
  assert.equal(csv.rows.length, 5);
  const dup = csv.warnings.find((w) => w.line === 4);
  assert.ok(dup);
  assert.match(dup.message, /duplicate row: line 2 and line 4 have the same text and labels/);
  const clash = csv.warnings.find((w) => w.line === 6);
  assert.ok(clash);
  assert.match(clash.message, /line 5 and line 6 have the same text but different labels/);
});

test('warnings: text longer than maxLength tokens will be truncated', async () => {
  const countTokens = (t: string) => t.split(/\s+/).length;
  const csv = await read('label,text\na,one two three four\nb,short\n', { maxLength: 3, countTokens });
  assert.equal(csv.warnings.length, 1);
  assert.equal(csv.warnings[0]!.line, 2);
  assert.equal(csv.warnings[0]!.column, 2);
  assert.match(csv.warnings[0]!.message, /:2:2: the text is 4 tokens long; it will be truncated to 3 tokens/);
  // Without countTokens there is nothing to measure with.
  assert.deepEqual((await read('label,text\na,one two three four\nb,short\n', { maxLength: 3 })).warnings, []);
});

test('empty file, header-only file, directory and missing path each get their own message', async () => {
  await rejectsWith('', undefined, 'BAD_CSV', 'FILE: the file is empty; expected a header row');
  await rejectsWith('\ufeff\r\n\n', undefined, 'BAD_CSV', 'FILE: the file is empty');
  await rejectsWith('text,label\r\n\r\n', undefined, 'BAD_CSV', 'FILE:1: the file has a header (text, label) but no data rows');

  const dir = await mkdtemp(join(tmpdir(), 'sl-csv-'));
  try {
    await mkdir(join(dir, 'folder.csv'));
    await assert.rejects(readTrainingCsv(join(dir, 'folder.csv')), (e: unknown) => {
      assert.ok(e instanceof SentenceLensError);
      assert.equal(e.code, 'BAD_ARGUMENT');
      assert.match(e.message, /folder\.csv: is a directory; expected a CSV file/);
      return true;
    });
    await assert.rejects(readTrainingCsv(join(dir, 'nope.csv')), (e: unknown) => {
      assert.ok(e instanceof SentenceLensError);
      assert.equal(e.code, 'MISSING_FILE');
      assert.match(e.message, /nope\.csv: no such file/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad options are BAD_ARGUMENT', async () => {
  await rejectsWith('text,label\na,x\nb,y\n', { maxLength: 0 }, 'BAD_ARGUMENT', 'maxLength is 0');
  await rejectsWith('text,label\na,x\nb,y\n', { labelVocab: { label: ['x', 'x'] } }, 'BAD_ARGUMENT', "lists 'x' twice");
});

test('a trailing delimiter column and a free-text column are reported, not silently used or dropped', async () => {
  const rows = Array.from({ length: 30 }, (_, i) => `sentence ${i},${i % 2 ? 'a' : 'b'},https://x/${i},,${i % 3 ? 'note' : `note ${i}`}`).join('\n');
  const csv = await read(`text,label,url,,notes\n${rows}\n`);
  assert.deepEqual(csv.tasks.map((t) => t.name), ['label', 'notes']);
  assert.match(csv.warnings.find((w) => w.column === 3)!.message, /:1:3: column 'url' is not used as a task: it has 30 different values in 30 rows, like free text or ids/);
  assert.match(csv.warnings.find((w) => w.column === 4)!.message, /:1:4: column 4 has no header name and is not used/);
  // Mapped explicitly, a free-text column is the user's choice: kept, with the warning.
  const mapped = await read(`text,label,url,,notes\n${rows}\n`, { tasks: { label: 'label', url: 'url' } });
  assert.deepEqual(mapped.tasks.map((t) => t.name), ['label', 'url']);
  assert.match(mapped.warnings.find((w) => w.column === 3)!.message, /:1:3: task 'url' has 30 different labels in 30 labelled rows/);
});
