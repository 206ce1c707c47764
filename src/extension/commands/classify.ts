/** Sentence Lens: Classify Sentence — the selection's sentences, or the one at the cursor. */
import * as vscode from 'vscode';
import { stillInPlace } from '../annotation-state.js';
import { type CommandContext, guarded, rangeOf, targetSentencesOrExplain } from './context.js';

export async function classifySentence(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const doc = editor.document;
  await guarded(ctx, async () => {
    const target = await targetSentencesOrExplain(ctx, editor);
    if (!target) return;
    // The reader answers for the document as it is now: the ranges belong to this version.
    const version = doc.version;
    const { results } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Sentence Lens: classifying ${target.length === 1 ? 'the sentence' : `${target.length} sentences`}`, cancellable: true },
      (_progress, token) => ctx.host.classify(target.map((s) => s.text), token),
    );
    if (doc.isClosed) return;
    let anns = target.map((s, i) => ({ ...s, result: results[i]! }));
    // Edited meanwhile: keep only sentences still where they were.
    if (doc.version !== version) anns = stillInPlace(anns, doc.getText());
    ctx.annotations.add(doc, anns);
    // A selection of many sentences: show where the last label is (its end may be below the view).
    const last = anns.reduce<(typeof anns)[number] | undefined>((m, a) => (!m || a.end > m.end ? a : m), undefined);
    if (anns.length > 1 && last && vscode.window.activeTextEditor?.document === doc) {
      vscode.window.activeTextEditor.revealRange(rangeOf(doc, { start: last.end, end: last.end }), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
    const truncated = results.filter((r) => r.truncated).length;
    if (truncated > 0) {
      const max = ctx.host.settings().maxLength;
      void vscode.window.showInformationMessage(
        `Sentence Lens: ${truncated === 1 && results.length === 1 ? 'the sentence is' : `${truncated} sentence(s) are`} longer than ${max} tokens; only the first ${max} were classified (setting sentenceLens.maxLength).`,
      );
    }
  });
}
