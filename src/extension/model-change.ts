/**
 * When the loaded model changes (another model, checkpoint, pooling or max length), labels from
 * the previous one would be wrong: the annotated sentences of visible editors are classified
 * again with the new model, and those of hidden documents cleared.
 */
import * as vscode from 'vscode';
import { type Annotation, stillInPlace } from './annotation-state.js';
import type { CommandContext } from './commands/context.js';
import type { HostState } from './model-host.js';
import { ClientError } from './server-client.js';
import type { ModelInfo } from '../protocol.js';

/** What makes two loaded models give different labels. */
export function modelIdentity(m: ModelInfo): string {
  return JSON.stringify([m.dir, m.commit, m.pooling, m.maxLength, m.tasks]);
}

export class ModelChangeRefresher implements vscode.Disposable {
  private last: string | undefined;
  private running: vscode.CancellationTokenSource | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: CommandContext) {
    this.subscription = ctx.host.onDidChangeState((s) => this.onState(s));
  }

  private onState(s: HostState): void {
    if (s.state !== 'ready' || !s.model) return;
    const id = modelIdentity(s.model);
    const changed = this.last !== undefined && this.last !== id;
    this.last = id;
    if (changed) void this.refresh(s.model);
  }

  private async refresh(model: ModelInfo): Promise<void> {
    this.running?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.running = cts;
    const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document));
    this.ctx.annotations.clearExcept(visible);
    for (const doc of visible) {
      const old = this.ctx.annotations.get(doc);
      if (old.length === 0) continue;
      this.ctx.log.info(`the model changed to ${model.model}: classifying the ${old.length} annotated sentence(s) of ${doc.uri.toString()} again`);
      this.ctx.annotations.set(doc, []);
      try {
        const { results } = await this.ctx.host.classify(old.map((a) => a.text), cts.token);
        const text = doc.getText();
        const fresh: Annotation[] = stillInPlace(old.map((a, i) => ({ ...a, result: results[i]! })), text);
        if (!doc.isClosed) this.ctx.annotations.add(doc, fresh);
      } catch (e) {
        if (e instanceof ClientError && e.code === 'CANCELLED') return;
        this.ctx.log.warn(`re-classifying after the model change failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  dispose(): void {
    this.running?.cancel();
    this.subscription.dispose();
  }
}
