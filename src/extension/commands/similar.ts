/** Find Similar Sentences: the document's sentences ranked by embedding similarity to the selection. */
import * as vscode from 'vscode';
import type { SentenceRange } from '../../text/sentence-range.js';
import { proseOptions } from '../settings.js';
import { type CommandContext, guarded, rangeOf, targetSentencesOrExplain } from './context.js';

/** Reads of the query and the candidates before settling for the last (a person typing without pause). */
const MAX_READS = 5;

interface Item extends vscode.QuickPickItem {
  readonly range: vscode.Range;
}

export async function findSimilar(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const doc = editor.document;
  await guarded(ctx, async () => {
    const read = await queryAndCandidates(ctx, editor);
    if (!read) return;
    const { query, candidates } = read;
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('Sentence Lens: the document has no other sentences to compare with.');
      return;
    }
    const { ranked } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Sentence Lens: comparing with ${candidates.length} sentences`, cancellable: true },
      (_p, token) => ctx.host.similar(query, candidates.map((s) => s.text), token),
    );
    const items: Item[] = ranked.map(({ index, score }) => {
      const s = candidates[index]!;
      const range = rangeOf(doc, s);
      return { label: s.text.length > 120 ? `${s.text.slice(0, 119)}…` : s.text, description: score.toFixed(3), detail: `line ${range.start.line + 1}`, range };
    });
    const original = editor.selections;
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = `Sentences similar to “${query.length > 60 ? `${query.slice(0, 59)}…` : query}”`;
    pick.placeholder = 'Most similar first (cosine similarity of sentence embeddings); Enter jumps to it';
    pick.matchOnDetail = false;
    pick.items = items;
    let accepted = false;
    pick.onDidChangeActive(([item]) => {
      if (item) editor.revealRange(item.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    });
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] ?? pick.activeItems[0];
      if (item) {
        accepted = true;
        editor.selection = new vscode.Selection(item.range.start, item.range.end);
        editor.revealRange(item.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!accepted) {
        editor.selections = original;
        editor.revealRange(original[0]!, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
      pick.dispose();
    });
    pick.show();
  });
}

/**
 * The query (the selection, or the sentence at the cursor) and every other sentence of the
 * document, both read from the same version of it; undefined (the reason shown) when there is no query.
 */
async function queryAndCandidates(ctx: CommandContext, editor: vscode.TextEditor): Promise<{ query: string; candidates: readonly SentenceRange[] } | undefined> {
  const doc = editor.document;
  for (let attempt = 1; ; attempt++) {
    const target = await targetSentencesOrExplain(ctx, editor);
    if (!target) return undefined;
    const version = doc.version;
    const sel = editor.selection;
    const query = sel.isEmpty ? target[0]!.text : doc.getText(sel).trim();
    const qStart = sel.isEmpty ? target[0]!.start : doc.offsetAt(sel.start);
    const qEnd = sel.isEmpty ? target[0]!.end : doc.offsetAt(sel.end);
    const all = await ctx.reader.sentences(doc, proseOptions(ctx.host.settings()));
    // Edited between the two reads: the query's offsets are of the older text; read both again
    // (after MAX_READS, the candidates' ranges may be off by that edit until the next search).
    if (doc.version !== version && attempt < MAX_READS) continue;
    return { query, candidates: all.filter((s) => s.end <= qStart || s.start >= qEnd) };
  }
}
