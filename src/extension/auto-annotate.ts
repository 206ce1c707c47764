/**
 * Auto-annotation: when enabled for a document's language, re-classifies only the sentences an
 * edit changed, 500 ms after typing stops; one run per document at a time, a newer one cancels it.
 */
import * as vscode from 'vscode';
import { annotateIncrementally } from './commands/annotate.js';
import type { CommandContext } from './commands/context.js';
import { ClientError } from './server-client.js';

export const DEBOUNCE_MS = 500;

export class AutoAnnotator implements vscode.Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, vscode.CancellationTokenSource>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: CommandContext) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && this.schedule(e.document)),
      vscode.window.onDidChangeActiveTextEditor((e) => e && this.ctx.annotations.get(e.document).length === 0 && this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.cancel(d)),
    );
  }

  enabledFor(doc: vscode.TextDocument): boolean {
    const s = this.ctx.host.settings();
    return s.autoAnnotate && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled') && s.autoAnnotateLanguages.includes(doc.languageId);
  }

  schedule(doc: vscode.TextDocument): void {
    if (!this.enabledFor(doc)) return;
    const k = doc.uri.toString();
    clearTimeout(this.timers.get(k));
    this.timers.set(k, setTimeout(() => void this.run(doc), DEBOUNCE_MS));
  }

  private async run(doc: vscode.TextDocument): Promise<void> {
    const k = doc.uri.toString();
    this.timers.delete(k);
    this.running.get(k)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.running.set(k, cts);
    try {
      const { classified: n } = await annotateIncrementally(this.ctx, doc, cts.token, (done, total) => {
        if (total > 0) this.ctx.status.update(this.ctx.host.state, `annotating ${done}/${total}`);
      });
      if (n > 0) this.ctx.log.debug(`auto-annotated ${n} sentence(s) in ${k}`);
    } catch (e) {
      if (e instanceof ClientError && e.code === 'CANCELLED') return;
      // Quietly: auto-annotation must not pop errors at every keystroke; the status bar shows the state.
      this.ctx.log.warn(`auto-annotation of ${k} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (this.running.get(k) === cts) this.running.delete(k);
      cts.dispose();
      this.ctx.status.update(this.ctx.host.state);
    }
  }

  private cancel(doc: vscode.TextDocument): void {
    const k = doc.uri.toString();
    clearTimeout(this.timers.get(k));
    this.timers.delete(k);
    this.running.get(k)?.cancel();
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const c of this.running.values()) c.cancel();
    for (const s of this.subscriptions) s.dispose();
  }
}
