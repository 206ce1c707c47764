/**
 * The prose worker: a worker_threads Worker (bundled as dist/prose-worker.js) that reads documents
 * into sentences for the extension host, so that a Markdown parse or the segmentation of a long
 * paragraph (hundreds of milliseconds on a big document) never blocks the host's event loop.
 * The extension's ReaderClient (src/extension/reader-client.ts) owns it.
 *
 * A document is read in slices of at most SLICE_MS between which the worker returns to its event
 * loop, so a cancellation (the document changed, the command was cancelled) is seen and the rest of
 * the reading skipped. The Markdown parse itself is one slice: micromark has no way to pause it.
 */
import { parentPort } from 'node:worker_threads';
import { type CancellationToken, PortMessageReader, PortMessageWriter, ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import { READ_CANCELLED, type ReadParams, ReadSelectionsRequest, ReadSentencesRequest } from './reader-protocol.js';
import { type SentenceRange, readSentences, selectionSentences } from './sentences.js';

/** Longest stretch of reading between two looks at the message port. */
const SLICE_MS = 10;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function cancelled(): ResponseError<void> {
  return new ResponseError(READ_CANCELLED, 'cancelled');
}

/** Every sentence of the document, read in slices of `sliceMs`; rejects with READ_CANCELLED once `token` is cancelled. */
export async function readCancellably(p: ReadParams, token: CancellationToken, sliceMs = SLICE_MS): Promise<SentenceRange[]> {
  const out: SentenceRange[] = [];
  let sliceStart = performance.now();
  for (const s of readSentences(p.text, p.languageId, p.options, p.locale)) {
    out.push(s);
    if (performance.now() - sliceStart < sliceMs) continue;
    await nextTurn();
    if (token.isCancellationRequested) throw cancelled();
    sliceStart = performance.now();
  }
  return out;
}

if (parentPort) {
  const connection = createMessageConnection(new PortMessageReader(parentPort), new PortMessageWriter(parentPort));
  connection.onRequest(ReadSentencesRequest, (p, token) => readCancellably(p, token));
  // A selection is at most sentenceLens' 100,000-character limit, but a cursor or a Markdown
  // selection reads the whole document: one slice, answered unless cancelled before it starts.
  connection.onRequest(ReadSelectionsRequest, (p, token) => (token.isCancellationRequested ? cancelled() : selectionSentences(p.text, p.selections, p.languageId, p.options, p.locale)));
  connection.listen();
}
