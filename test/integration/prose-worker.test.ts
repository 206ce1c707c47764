/**
 * The prose worker as the extension uses it: the bundled dist/prose-worker.js (built by `npm test`)
 * driven by the extension's ReaderClient. Its answers are exactly the in-thread reader's; a newer
 * read of a document supersedes the pending one; a cancelled read stops; a killed worker is
 * replaced and the read still answered; a worker that cannot start fails with its reason.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { type DocumentRead, ReaderClient, ReaderError } from '../../src/extension/reader-client.js';
import { READ_CANCELLED } from '../../src/text/reader-protocol.js';
import { readCancellably } from '../../src/text/reader-worker.js';
import { documentSentences, selectionSentences } from '../../src/text/sentences.js';
import { EVERY_CONSTRUCT, EVERY_CONSTRUCT_PROSE, repeated } from '../support/prose-fixtures.js';

const WORKER = fileURLToPath(new URL('../../dist/prose-worker.js', import.meta.url));
const BIG = repeated(EVERY_CONSTRUCT, 30);

const clients: ReaderClient[] = [];
function client(workerPath = WORKER): { reader: ReaderClient; log: string[] } {
  if (!existsSync(workerPath) && workerPath === WORKER) throw new Error(`${WORKER} is missing: run npm run build (npm test does)`);
  const log: string[] = [];
  const reader = new ReaderClient({ workerPath, log: (l) => log.push(l) });
  clients.push(reader);
  return { reader, log };
}

after(async () => {
  for (const c of clients) await c.dispose();
});

const markdown = (key: string, version: number, text: string): DocumentRead => ({ key, version, text, languageId: 'markdown', options: {} });

test('the worker reads exactly what the in-thread reader reads: Markdown with every construct, plain text, comments, selections', async () => {
  const { reader } = client();
  const inThread = documentSentences(EVERY_CONSTRUCT, 'markdown');
  // The oracle itself: the prose sentences, and nothing of code, tables, front matter, HTML, URLs…
  assert.deepEqual(inThread.map((s) => s.text), EVERY_CONSTRUCT_PROSE);
  assert.deepEqual(await reader.sentences(markdown('every.md', 1, EVERY_CONSTRUCT)), inThread);

  const headings = { key: 'every.md', version: 1, text: EVERY_CONSTRUCT, languageId: 'markdown', options: { headings: true } };
  const withHeadings = await reader.sentences(headings);
  assert.deepEqual(withHeadings, documentSentences(EVERY_CONSTRUCT, 'markdown', { headings: true }));
  assert.ok(withHeadings.some((s) => s.text.startsWith('NOT PROSE heading')), 'the headings option reaches the worker');

  const paragraph = Array.from({ length: 400 }, (_, i) => `Dr. Brown ate ${i}.5 kg of pasta with Mr. Green on day ${i} of the trip.`).join(' ');
  const plain = { key: 'p.txt', version: 1, text: paragraph, languageId: 'plaintext', options: {} };
  assert.deepEqual(await reader.sentences(plain), documentSentences(paragraph, 'plaintext'));
  assert.equal((await reader.sentences(plain)).length, 400);

  const code = '// The soup was great. We loved\n// it very much.\nconst a = "// not a comment.";\n/** Block comment text. */\n';
  for (const comments of [false, true]) {
    const read = { key: 'a.ts', version: comments ? 2 : 1, text: code, languageId: 'typescript', options: { comments } };
    assert.deepEqual(await reader.sentences(read), documentSentences(code, 'typescript', { comments }));
  }

  const at = (needle: string) => EVERY_CONSTRUCT.indexOf(needle);
  const spans = [
    { start: at('Dr. Smith') + 3, end: at('Dr. Smith') + 3 }, // a cursor inside an abbreviation's sentence
    { start: at('Our team'), end: at('It was the second') + 6 }, // a selection over a list and a quote
    { start: at('NOT PROSE in a fence') + 2, end: at('NOT PROSE in a fence') + 2 }, // a cursor in code: nothing
  ];
  const selections = await reader.selections(markdown('every.md', 1, EVERY_CONSTRUCT), spans);
  assert.deepEqual(selections, selectionSentences(EVERY_CONSTRUCT, spans, 'markdown'));
  assert.deepEqual(selections.map((l) => l.map((s) => s.text)), [
    ['Dr. Smith ate 3.5 kg of pasta.'],
    ['Our team won the football match in extra time.', 'She reads a novel on the train every week.', 'A nested item is prose too.', 'A finished task is prose.', 'The referee showed him a red card.', 'It was'],
    [],
  ]);
});

test('a newer read of a document supersedes the pending one; the same read asked twice is read once', async () => {
  const { reader } = client();
  const v2 = `${BIG}\nOne more sentence at the end.\n`;
  const first = reader.sentences(markdown('doc.md', 1, BIG));
  const other = reader.sentences(markdown('other.md', 1, BIG));
  const second = reader.sentences(markdown('doc.md', 2, v2));
  await assert.rejects(first, (e: unknown) => e instanceof ReaderError && e.code === 'SUPERSEDED');
  const answer = await second;
  assert.deepEqual(answer, documentSentences(v2, 'markdown'));
  assert.equal(answer.at(-1)!.text, 'One more sentence at the end.');
  // Another document's read is not touched.
  assert.equal((await other).length, documentSentences(BIG, 'markdown').length);

  const a = reader.sentences(markdown('same.md', 7, EVERY_CONSTRUCT));
  const b = reader.sentences(markdown('same.md', 7, EVERY_CONSTRUCT));
  assert.equal(await a, await b, 'one answer for both');
  // Asked again for the same text and version: the kept answer.
  assert.equal(await reader.sentences(markdown('same.md', 7, EVERY_CONSTRUCT)), await a);
  // The same version number with other text (a reopened untitled document) is read again.
  const reopened = await reader.sentences(markdown('same.md', 7, 'A different text.\n'));
  assert.deepEqual(reopened.map((s) => s.text), ['A different text.']);
});

test('a cancelled read fails at once; another waiter for the same read still gets it; the next read is answered', async () => {
  const { reader } = client();
  const alone = new AbortController();
  const cancelled = reader.sentences(markdown('c.md', 1, BIG), alone.signal);
  alone.abort();
  await assert.rejects(cancelled, (e: unknown) => e instanceof ReaderError && e.code === 'CANCELLED');

  const quitter = new AbortController();
  const leaves = reader.sentences(markdown('c.md', 2, BIG), quitter.signal);
  const stays = reader.sentences(markdown('c.md', 2, BIG));
  quitter.abort();
  await assert.rejects(leaves, (e: unknown) => e instanceof ReaderError && e.code === 'CANCELLED');
  assert.deepEqual(await stays, documentSentences(BIG, 'markdown'));
});

test('in the worker, a cancelled read stops between sentences instead of reading to the end', async () => {
  let cancelled = false;
  let looks = 0;
  const token = {
    get isCancellationRequested() {
      looks++;
      return cancelled;
    },
    onCancellationRequested: () => ({ dispose() {} }),
  };
  // Slices of 0 ms: the reader looks at the token after every sentence.
  const reading = readCancellably({ text: BIG, languageId: 'markdown', options: {} }, token, 0);
  cancelled = true;
  await assert.rejects(reading, (e: unknown) => e instanceof ResponseError && e.code === READ_CANCELLED);
  assert.equal(looks, 1, 'it stopped at its first look at the token, not after the last sentence');
  // Not cancelled: the whole document, as in the thread.
  assert.deepEqual(await readCancellably({ text: EVERY_CONSTRUCT, languageId: 'markdown', options: {} }, new CancellationTokenSource().token, 0), documentSentences(EVERY_CONSTRUCT, 'markdown'));
});

test('a killed worker is replaced and the read in flight is still answered', async () => {
  const { reader, log } = client();
  const reading = reader.sentences(markdown('k.md', 1, BIG));
  const first = reader.worker;
  assert.ok(first, 'the first read starts the worker');
  await first.terminate();
  assert.deepEqual(await reading, documentSentences(BIG, 'markdown'));
  assert.ok(reader.worker && reader.worker.threadId !== first.threadId, 'a new worker answered');
  assert.ok(log.some((l) => /reading again in a new worker/.test(l)), log.join('\n'));
  // And it goes on answering.
  assert.deepEqual(await reader.sentences(markdown('k.md', 2, EVERY_CONSTRUCT)), documentSentences(EVERY_CONSTRUCT, 'markdown'));
});

test('a worker that cannot start fails the read with its reason, and is not restarted forever', async () => {
  const { reader } = client('/nonexistent/prose-worker.js');
  const died = (e: unknown) => e instanceof ReaderError && e.code === 'READER_DIED' && /Cannot find module|nonexistent/.test(e.message);
  await assert.rejects(reader.sentences(markdown('x.md', 1, 'Hello there.')), died);
  await assert.rejects(reader.sentences(markdown('x.md', 2, 'Hello there.')), died);
  await assert.rejects(reader.sentences(markdown('x.md', 3, 'Hello there.')), (e: unknown) => e instanceof ReaderError && e.code === 'GAVE_UP' && /stopped 5 times/.test(e.message));
});
