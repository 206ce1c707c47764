/** What every command gets, and helpers shared by the editor commands. */
import * as vscode from 'vscode';
import type { Annotations } from '../annotations.js';
import { MAX_SELECTION_CHARS } from '../limits.js';
import type { ModelHost } from '../model-host.js';
import { type ProseOptions, noProseReason } from '../prose/prose.js';
import { type SentenceRange, sentenceAt, sentencesIn } from '../sentences.js';
import type { Settings } from '../settings.js';
import type { StatusBar } from '../status-bar.js';

export interface CommandContext {
  readonly host: ModelHost;
  readonly annotations: Annotations;
  readonly log: vscode.LogOutputChannel;
  readonly status: StatusBar;
}


/** What counts as prose, from the settings. */
export function proseOptions(s: Settings): ProseOptions {
  return { headings: s.annotateHeadings, comments: s.annotateComments };
}

/** targetSentences, with the reason shown to the user (and undefined returned) when there are none. */
export function targetSentencesOrExplain(editor: vscode.TextEditor, options: ProseOptions = {}): SentenceRange[] | undefined {
  const target = targetSentences(editor, options);
  if (typeof target !== 'string') return target;
  void vscode.window.showInformationMessage(`Sentence Lens: ${target}`);
  return undefined;
}

/**
 * The sentences the user means: each selection's sentences, or the sentence at each empty cursor.
 * Returns a message instead when there is nothing to work on.
 */
export function targetSentences(editor: vscode.TextEditor, options: ProseOptions = {}): SentenceRange[] | string {
  const doc = editor.document;
  const lang = doc.languageId;
  const text = doc.getText();
  const out: SentenceRange[] = [];
  for (const sel of editor.selections) {
    const start = doc.offsetAt(sel.start);
    const end = doc.offsetAt(sel.end);
    if (end - start > MAX_SELECTION_CHARS) {
      return `the selection has ${(end - start).toLocaleString('en')} characters; Classify Sentence takes at most ${MAX_SELECTION_CHARS.toLocaleString('en')}. Use "Sentence Lens: Annotate Document" for whole texts.`;
    }
    if (sel.isEmpty) {
      const s = sentenceAt(text, start, lang, options);
      if (s) out.push(s);
    } else out.push(...sentencesIn(text, start, end, lang, options));
  }
  if (out.length === 0) {
    if (!editor.selections.every((s) => s.isEmpty)) return 'the selection holds no text to classify.';
    const why = noProseReason(lang, options);
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
