/** What every command gets, and helpers shared by the editor commands. */
import * as vscode from 'vscode';
import type { Annotations } from '../annotations.js';
import type { DocumentReader } from '../document-reader.js';
import { MAX_SELECTION_CHARS } from '../limits.js';
import type { ModelHost } from '../model-host.js';
import { noProseReason } from '../../text/prose/languages.js';
import type { SentenceRange } from '../../text/sentence-range.js';
import { proseOptions } from '../settings.js';
import type { StatusBar } from '../status-bar.js';

export interface CommandContext {
  readonly host: ModelHost;
  /** Reads documents into sentences off the extension host's thread. */
  readonly reader: DocumentReader;
  readonly annotations: Annotations;
  readonly log: vscode.LogOutputChannel;
  readonly status: StatusBar;
}


/** targetSentences, with the reason shown to the user (and undefined returned) when there are none. */
export async function targetSentencesOrExplain(ctx: CommandContext, editor: vscode.TextEditor, token?: vscode.CancellationToken): Promise<SentenceRange[] | undefined> {
  const target = await targetSentences(ctx, editor, token);
  if (typeof target !== 'string') return target;
  void vscode.window.showInformationMessage(`Sentence Lens: ${target}`);
  return undefined;
}

/**
 * The sentences the user means: each selection's sentences, or the sentence at each empty cursor
 * (read by the prose worker). Returns a message instead when there is nothing to work on.
 */
export async function targetSentences(ctx: CommandContext, editor: vscode.TextEditor, token?: vscode.CancellationToken): Promise<SentenceRange[] | string> {
  const doc = editor.document;
  const options = proseOptions(ctx.host.settings());
  for (const sel of editor.selections) {
    const chars = doc.offsetAt(sel.end) - doc.offsetAt(sel.start);
    if (chars > MAX_SELECTION_CHARS) {
      return `the selection has ${chars.toLocaleString('en')} characters; Classify Sentence takes at most ${MAX_SELECTION_CHARS.toLocaleString('en')}. Use "Sentence Lens: Annotate Document" for whole texts.`;
    }
  }
  const out = (await ctx.reader.selections(editor, options, token)).flat();
  if (out.length === 0) {
    if (!editor.selections.every((s) => s.isEmpty)) return 'the selection holds no text to classify.';
    const why = noProseReason(doc.languageId, options);
    return why ? `${why} Select text to classify it anyway.` : 'no sentence at the cursor: put the cursor in a sentence or select some text.';
  }
  // Several cursors in one sentence: once.
  const seen = new Set<string>();
  return out.filter((s) => !seen.has(`${s.start}:${s.end}`) && seen.add(`${s.start}:${s.end}`));
}

/** Runs a command body, showing failures with their reason. */
export async function guarded(ctx: CommandContext, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    await ctx.host.showError(e);
  }
}

export function rangeOf(doc: vscode.TextDocument, s: { start: number; end: number }): vscode.Range {
  return new vscode.Range(doc.positionAt(s.start), doc.positionAt(s.end));
}
