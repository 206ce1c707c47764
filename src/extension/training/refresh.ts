/**
 * After the model changed (a run's checkpoint put to use), the annotations on screen were made by
 * the old one: classify their sentences again and redraw, document by document.
 */
import * as vscode from 'vscode';
import type { CommandContext } from '../commands/context.js';

export async function refreshAnnotations(ctx: CommandContext): Promise<number> {
  let sentences = 0;
  for (const doc of vscode.workspace.textDocuments) {
    const anns = ctx.annotations.get(doc);
    if (anns.length === 0) continue;
    const version = doc.version;
    const { results } = await ctx.host.classify(anns.map((a) => a.text));
    // Edited meanwhile: the next edit re-annotates; do not put results on moved text.
    if (doc.isClosed || doc.version !== version) continue;
    ctx.annotations.set(doc, anns.map((a, i) => ({ ...a, result: results[i]! })));
    sentences += anns.length;
  }
  return sentences;
}
