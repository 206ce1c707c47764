/** Copy Sentence Embedding: the embedding of the selection (or the sentence at the cursor) as a JSON array. */
import * as vscode from 'vscode';
import { type CommandContext, guarded, targetSentencesOrExplain } from './context.js';

export async function copyEmbedding(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  await guarded(ctx, async () => {
    const target = await targetSentencesOrExplain(ctx, editor);
    if (!target) return;
    const sel = editor.selection;
    // A selection is embedded as one text (that is what a user copying "its" embedding means).
    const text = sel.isEmpty ? target[0]!.text : editor.document.getText(sel).trim();
    const { embeddings, truncated } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Sentence Lens: embedding' },
      () => ctx.host.embed([text]),
    );
    const v = embeddings[0]!;
    await vscode.env.clipboard.writeText(JSON.stringify(v));
    void vscode.window.showInformationMessage(
      `Sentence Lens: copied the ${v.length}-dimension embedding of “${text.length > 50 ? `${text.slice(0, 49)}…` : text}”${truncated[0] ? ' (the text was truncated to sentenceLens.maxLength tokens)' : ''}.`,
    );
  });
}
