/** Annotate Document, Clear Annotations, Toggle Auto-Annotate. */
import * as vscode from 'vscode';
import type { Annotation } from '../annotation-state.js';
import { annotationChunks, diffSentences, stillInPlace } from '../annotation-state.js';
import { noProseReason } from '../../text/prose/languages.js';
import { SECTION, proseOptions } from '../settings.js';
import { type CommandContext, guarded } from './context.js';

/** What one incremental annotation did. */
export interface AnnotateStats {
  /** Sentences sent to the model. */
  readonly classified: number;
  /** The model server's own inference time for them, summed over the requests (ms). */
  readonly inferenceMs: number;
}

/**
 * Classifies every sentence of `doc` that has no annotation yet (unchanged ones are kept, moved
 * ones reuse their result) and decorates them chunk by chunk.
 */
export async function annotateIncrementally(
  ctx: CommandContext,
  doc: vscode.TextDocument,
  token: vscode.CancellationToken | undefined,
  report?: (done: number, total: number) => void,
): Promise<AnnotateStats> {
  // Read by the prose worker, for the document as it is when the answer comes: the ranges belong
  // to this version, and the annotations (moved through every edit) are of it too.
  const sentences = await ctx.reader.sentences(doc, proseOptions(ctx.host.settings()), token);
  if (doc.isClosed) return { classified: 0, inferenceMs: 0 };
  const version = doc.version;
  const diff = diffSentences(ctx.annotations.get(doc), sentences);
  ctx.annotations.set(doc, [...diff.keep, ...diff.reused].sort((a, b) => a.start - b.start));
  const todo = diff.toClassify;
  let done = 0;
  let inferenceMs = 0;
  report?.(0, todo.length);
  for (const chunk of annotationChunks(todo)) {
    const { results, inferenceMs: ms } = await ctx.host.classify(
      chunk.map((s) => s.text),
      token,
      report && ((d) => report(done + d, todo.length)),
    );
    inferenceMs += ms;
    if (doc.isClosed) return { classified: done, inferenceMs };
    const anns: Annotation[] = chunk.map((s, j) => ({ ...s, result: results[j]! }));
    ctx.annotations.add(doc, doc.version === version ? anns : stillInPlace(anns, doc.getText()));
    done += chunk.length;
    report?.(done, todo.length);
  }
  return { classified: done, inferenceMs };
}

export async function annotateDocument(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const doc = editor.document;
  const notProse = noProseReason(doc.languageId, proseOptions(ctx.host.settings()));
  if (notProse) {
    void vscode.window.showInformationMessage(`Sentence Lens: ${notProse}`);
    return;
  }
  await guarded(ctx, async () => {
    const t0 = performance.now();
    const stats = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Sentence Lens: annotating', cancellable: true },
      async (progress, token) => {
        let last = 0;
        let lastAt = 0;
        return annotateIncrementally(ctx, doc, token, (done, total) => {
          // Each report crosses to the workbench: ten a second is plenty for a progress bar.
          const now = performance.now();
          if (total === 0 || (done < total && now - lastAt < 100)) return;
          progress.report({ message: `${done} of ${total} sentences`, increment: ((done - last) / total) * 100 });
          last = done;
          lastAt = now;
        });
      },
    );
    const total = ctx.annotations.get(doc).length;
    const n = stats.classified;
    // One line with counts and timings (the editor benchmark reads it): wall time from the command
    // to the last decorations set, and the model server's inference time within it.
    ctx.log.info(
      `annotated ${total} sentences in ${(performance.now() - t0).toFixed(0)} ms (inference ${stats.inferenceMs.toFixed(0)} ms; ${n} classified, ${total - n} unchanged): ${doc.uri.toString()}`,
    );
    if (total === 0) void vscode.window.showInformationMessage('Sentence Lens: the document has no sentences to annotate.');
  });
}

export function clearAnnotations(ctx: CommandContext): void {
  const editor = vscode.window.activeTextEditor;
  if (editor) ctx.annotations.clear(editor.document);
  else ctx.annotations.clear();
}

export async function toggleAutoAnnotate(ctx: CommandContext): Promise<void> {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const on = !ctx.host.settings().autoAnnotate;
  await cfg.update('autoAnnotate', on, vscode.ConfigurationTarget.Global);
  const langs = ctx.host.settings().autoAnnotateLanguages;
  void vscode.window.showInformationMessage(`Sentence Lens: auto-annotation ${on ? `on for ${langs.join(', ') || 'no languages'} (setting sentenceLens.autoAnnotateLanguages)` : 'off'}.`);
}
