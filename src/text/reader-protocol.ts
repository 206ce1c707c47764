/**
 * The contract between the extension host and the prose worker (src/text/reader-worker.ts, bundled
 * as dist/prose-worker.js), spoken with vscode-jsonrpc over the worker's message port. Both sides
 * import these constants; nothing else crosses. A request takes a cancellation token: the worker
 * stops between sentences and answers ResponseError(REQUEST_CANCELLED) (see reader-worker.ts).
 *
 * This is not src/protocol.ts (the model server's contract): the worker holds no model, only the
 * pure prose reader of src/text.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ProseOptions } from './prose/languages.js';
import type { SentenceRange, Span } from './sentence-range.js';

/** The worker's answer to a cancelled request: ResponseError with this code (the number LSP uses). */
export const READ_CANCELLED = -32800;

export interface ReadParams {
  readonly text: string;
  /** VS Code's language id: "markdown" is read as Markdown, "plaintext" as prose, code by its comments. */
  readonly languageId: string;
  readonly options: ProseOptions;
  readonly locale?: string;
}

export interface SelectionsParams extends ReadParams {
  /** Selections in document offsets; an empty one is a cursor. */
  readonly selections: readonly Span[];
}

/** Every sentence of a document's prose, in document order (sentences.ts `documentSentences`). */
export const ReadSentencesRequest = new RequestType<ReadParams, SentenceRange[], void>('prose/sentences');

/** The sentences each selection means, one list per selection (sentences.ts `selectionSentences`). */
export const ReadSelectionsRequest = new RequestType<SelectionsParams, SentenceRange[][], void>('prose/selections');
