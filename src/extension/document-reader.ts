/**
 * How every command reads a document into sentences: through the prose worker (ReaderClient), never
 * on the extension host's thread, for the document as it is when the answer arrives. A read that a
 * newer one superseded (the document changed meanwhile) or that answers an older version is asked
 * again for the current text; cancellation comes from the command's token.
 */
import * as vscode from 'vscode';
import { withAbortSignal } from '../cancellation.js';
import type { ProseOptions } from '../text/prose/languages.js';
import type { SentenceRange, Span } from '../text/sentence-range.js';
import { type DocumentRead, ReaderClient, ReaderError } from './reader-client.js';
import { ClientError } from './server-client.js';

/** Reads of a document that changed before the answer came, before giving up (a person typing without pause). */
const MAX_ATTEMPTS = 20;

export class DocumentReader implements vscode.Disposable {
  private readonly client: ReaderClient;
  private readonly subscription: vscode.Disposable;

  constructor(workerPath: string, log: vscode.LogOutputChannel) {
    this.client = new ReaderClient({ workerPath, log: (line) => log.info(line) });
    this.subscription = vscode.workspace.onDidCloseTextDocument((d) => this.client.forget(d.uri.toString()));
  }

  /** Every sentence of the document's prose, for the document as it is when the promise resolves. */
  sentences(doc: vscode.TextDocument, options: ProseOptions, token?: vscode.CancellationToken): Promise<readonly SentenceRange[]> {
    return this.current(doc, options, token, (read, signal) => this.client.sentences(read, signal));
  }

  /**
   * The sentences of each of the editor's selections (the sentence at each cursor), one list per
   * selection in `editor.selections` order, for the document as it is when the promise resolves.
   */
  selections(editor: vscode.TextEditor, options: ProseOptions, token?: vscode.CancellationToken): Promise<SentenceRange[][]> {
    const doc = editor.document;
    return this.current(doc, options, token, (read, signal) => {
      const spans: Span[] = editor.selections.map((s) => ({ start: doc.offsetAt(s.start), end: doc.offsetAt(s.end) }));
      return this.client.selections(read, spans, signal);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    void this.client.dispose();
  }

  private current<R>(doc: vscode.TextDocument, options: ProseOptions, token: vscode.CancellationToken | undefined, ask: (read: DocumentRead, signal: AbortSignal) => Promise<R>): Promise<R> {
    return withAbortSignal([token], async (signal) => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const version = doc.version;
        const read: DocumentRead = { key: doc.uri.toString(), version, text: doc.getText(), languageId: doc.languageId, options };
        try {
          const answer = await ask(read, signal);
          if (doc.version === version) return answer;
        } catch (e) {
          if (!(e instanceof ReaderError && e.code === 'SUPERSEDED')) throw toClientError(e);
        }
      }
      throw new ClientError('INTERNAL', `${vscode.workspace.asRelativePath(doc.uri)} changed ${MAX_ATTEMPTS} times while it was being read; try again when the edits pause`);
    });
  }
}

/** The commands show ClientErrors (quietly for cancellation). */
function toClientError(e: unknown): unknown {
  if (!(e instanceof ReaderError)) return e;
  return new ClientError(e.code === 'CANCELLED' ? 'CANCELLED' : e.code === 'GAVE_UP' ? 'GAVE_UP' : 'INTERNAL', e.message);
}
