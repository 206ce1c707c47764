/**
 * Teach in place, the extension's side: writes corrections to the labels file, keeps an undo
 * stack, asks the model server to retrain the heads (debounced; one retrain at a time, and a
 * correction made during one queues one more), refreshes the annotations of open documents with
 * the new heads, watches the file for edits by hand, and shows `your labels: 12 · ready` in the
 * status bar. No ML here: the server retrains (DESIGN.md §2).
 */
import * as vscode from 'vscode';
import { type LabelsTable, labelOf, labelsFileDigest, readLabels, setLabel, setLabels, updateLabelsFile } from '../../engine/data/labels-file.js';
import type { LabelsHeadsParams, RetrainHeadsResult } from '../../protocol.js';
import type { CommandContext } from '../commands/context.js';
import { ClientError } from '../server-client.js';
import { SECTION } from '../settings.js';
import { RETRAIN_DEBOUNCE_MS, labelsParams, readLabelsSettings } from './labels-settings.js';


export interface UndoEntry {
  readonly sentence: string;
  readonly task: string;
  /** The cell before: a label, '' for none, undefined when the sentence had no row. */
  readonly before: string | undefined;
  readonly after: string;
}

type Phase = { kind: 'idle' } | { kind: 'retraining' } | { kind: 'ready'; result: RetrainHeadsResult } | { kind: 'error'; message: string };

export class Teacher implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sentenceLens.labels', vscode.StatusBarAlignment.Right, 99);
  /** Each step: the cells one labelling changed (one sentence, or a map selection). */
  private readonly undoStack: (readonly UndoEntry[])[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Digest of the labels file as we last wrote or retrained from it: a watcher event with it is ours. */
  private knownDigest: string | undefined;
  private rows = 0;
  /** The labels file as last read or written, for hovers and pickers that must answer at once. */
  private cached: LabelsTable | undefined;
  private phase: Phase = { kind: 'idle' };
  private lastModel: unknown;
  private readonly retrained = new vscode.EventEmitter<RetrainHeadsResult>();
  /** Fires after a retrain, once open documents' annotations show the new heads. */
  readonly onDidRetrain = this.retrained.event;

  constructor(private readonly ctx: CommandContext) {
    this.item.name = 'Sentence Lens labels';
    this.item.command = 'sentenceLens.openLabelsFile';
    this.subscriptions.push(
      this.item,
      this.retrained,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.labelsFile`)) this.watch();
        if (['labelsFile', 'labelsMixTrainingData', 'labelsWeight'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) void this.countRows().then(() => this.onFileChanged());
      }),
      // A model that loads without current labels heads (first use, another model, a restart after
      // the file changed) gets them retrained.
      ctx.host.onDidChangeState((s) => {
        if (s.state !== 'ready' || !s.model || s.model === this.lastModel) return;
        this.lastModel = s.model;
        if (!s.model.labelsHeads && this.rows > 0) this.schedule();
      }),
    );
    ctx.host.setLabels(() => this.params());
    this.watch();
    void this.countRows();
  }

  /** The server's labels parameters, or undefined without a trusted workspace folder. */
  params(): LabelsHeadsParams | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return undefined;
    return labelsParams(readLabelsSettings(vscode.workspace.getConfiguration(SECTION), (w) => this.ctx.log.warn(w)), folder.uri.fsPath);
  }

  /** Why labelling cannot happen here, or undefined. */
  unavailable(): string | undefined {
    if (!vscode.workspace.workspaceFolders?.length) return 'open a folder first: labels are kept in the workspace (.sentence-lens/labels.csv).';
    if (!vscode.workspace.isTrusted) return 'labelling is off in Restricted Mode: trust the workspace to keep labels and retrain on them.';
    if (vscode.workspace.workspaceFolders[0]!.uri.scheme !== 'file') return 'labels are kept on disk; this workspace folder is not a local folder.';
    return undefined;
  }

  /** The labels the person gave `sentence`, by task (from the file as last read). */
  given(sentence: string): Readonly<Record<string, string>> {
    return this.cached?.rows.find((r) => r.sentence === sentence)?.labels ?? {};
  }

  /** Writes one correction (updating the sentence's row) and schedules a retrain. */
  async label(sentence: string, task: string, label: string): Promise<void> {
    await this.labelAll([sentence], task, label);
  }

  /**
   * Gives every sentence the same label (the map's "Label selected as…") in one write of the
   * labels file, one undo step and one retrain.
   */
  async labelAll(sentences: readonly string[], task: string, label: string): Promise<void> {
    const p = this.params();
    if (!p) throw new ClientError('BAD_ARGUMENT', this.unavailable() ?? 'no workspace folder');
    const unique = [...new Set(sentences)];
    const u = await updateLabelsFile(p.labelsFile, (t) => setLabels(t, unique, task, label));
    this.knownDigest = u.digest;
    this.undoStack.push(unique.map((sentence) => ({ sentence, task, before: labelOf(u.before, sentence, task), after: label })));
    const what = unique.length === 1 ? JSON.stringify(unique[0]) : `${unique.length} sentences`;
    this.ctx.log.info(`labelled ${task} = ${label}: ${what} (${p.labelsFile})`);
    this.cached = u.after;
    this.rows = u.after.rows.length;
    this.schedule();
  }

  /** Puts back the cells the last labelling changed (removing rows it created) and retrains. */
  async undo(): Promise<readonly UndoEntry[] | undefined> {
    const p = this.params();
    const last = this.undoStack.pop();
    if (!p || !last) return undefined;
    try {
      const u = await updateLabelsFile(p.labelsFile, (t) => last.reduceRight((acc, e) => setLabel(acc, e.sentence, e.task, e.before ?? '', { dropEmptyRow: e.before === undefined }), t));
      this.knownDigest = u.digest;
      this.cached = u.after;
      this.rows = u.after.rows.length;
    } catch (e) {
      this.undoStack.push(last);
      throw e;
    }
    this.schedule();
    return last;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  /** Retrains soon (debounced); when one is running, once more after it. */
  schedule(): void {
    this.setPhase({ kind: 'retraining' });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), RETRAIN_DEBOUNCE_MS);
  }

  /** Resolves when no retrain is pending or running. */
  async idle(): Promise<void> {
    while (this.timer || this.running) await (this.running ?? new Promise((r) => setTimeout(r, RETRAIN_DEBOUNCE_MS)));
  }

  private kick(): void {
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.retrainOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async retrainOnce(): Promise<void> {
    const p = this.params();
    if (!p) return;
    this.setPhase({ kind: 'retraining' });
    try {
      this.knownDigest = await labelsFileDigest(p.labelsFile);
      const result = await this.ctx.host.retrainHeads(p);
      this.rows = result.rows;
      await this.refreshAnnotations();
      this.setPhase({ kind: 'ready', result });
      this.report(result, p);
      this.retrained.fire(result);
    } catch (e) {
      if (e instanceof ClientError && e.code === 'CANCELLED') return;
      const message = e instanceof Error ? e.message : String(e);
      this.setPhase({ kind: 'error', message });
      this.ctx.log.error(`retraining the heads from ${p.labelsFile} failed: ${message}`);
      void vscode.window.showErrorMessage(`Sentence Lens: ${message}`, 'Open Labels File').then((pick) => pick && vscode.commands.executeCommand('sentenceLens.openLabelsFile'));
    }
  }

  /** Re-classifies every annotated sentence of open documents, so decorations show the new heads. */
  private async refreshAnnotations(): Promise<void> {
    for (const doc of vscode.workspace.textDocuments) {
      const anns = this.ctx.annotations.get(doc);
      if (anns.length === 0) continue;
      const version = doc.version;
      const texts = [...new Set(anns.map((a) => a.text))];
      const { results } = await this.ctx.host.classify(texts);
      if (doc.isClosed || doc.version !== version) continue;
      const byText = new Map(texts.map((t, i) => [t, results[i]!]));
      this.ctx.annotations.set(doc, this.ctx.annotations.get(doc).map((a) => ({ ...a, result: byText.get(a.text) ?? a.result })));
    }
  }

  private report(r: RetrainHeadsResult, p: LabelsHeadsParams): void {
    const held = r.heldOut ? Object.entries(r.heldOut.after).map(([t, a]) => `${t} ${pct(r.heldOut!.before[t]!)} → ${pct(a)}`).join(', ') : 'not checked';
    this.ctx.log.info(`retrained the heads on ${r.rows} labelled sentence(s) in ${r.trainMs.toFixed(0)} ms${r.reused ? ' (checkpoint reused)' : ''}; held-out accuracy ${held}${r.mixedWith ? `; mixed with ${r.mixedWith}` : ''}`);
    for (const w of r.ignored) this.ctx.log.warn(`${p.labelsFile}: ${w}`);
    if (r.unfit.length === 0) return;
    const list = r.unfit.map((u) => `"${u.sentence}" (${u.task}: labelled ${u.label}, still ${u.predicted})`);
    for (const l of list) this.ctx.log.warn(`not learnt: ${l}`);
    const why = r.limitedByHeldOut
      ? 'learning them would cost more than 2 points of accuracy on held-out sentences'
      : 'the heads cannot fit them (labels that contradict each other or the data)';
    void vscode.window.showWarningMessage(`Sentence Lens: ${r.unfit.length} label(s) not learnt — ${why}: ${list.slice(0, 3).join('; ')}${list.length > 3 ? '; …' : ''}`, 'Show Log').then((pick) => pick && this.ctx.log.show(true));
  }

  private watch(): void {
    this.watcher?.dispose();
    const p = this.params();
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!p || !folder) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(p.labelsFile.replace(/[\\/][^\\/]*$/, '')), p.labelsFile.replace(/^.*[\\/]/, '')));
    const changed = () => void this.onFileChanged();
    w.onDidChange(changed);
    w.onDidCreate(changed);
    w.onDidDelete(changed);
    this.watcher = w;
  }

  /** An edit by hand (or a checkout) retrains; our own writes were retrained already. */
  private async onFileChanged(): Promise<void> {
    const p = this.params();
    if (!p) return;
    const digest = await labelsFileDigest(p.labelsFile).catch(() => undefined);
    if (digest === undefined || digest === this.knownDigest) return;
    await this.countRows();
    // Without a loaded model there is nothing to retrain; the next load picks the file up.
    if (this.ctx.host.state.model) this.schedule();
  }

  private async countRows(): Promise<void> {
    const p = this.params();
    if (!p) return this.setPhase(this.phase);
    try {
      this.cached = await readLabels(p.labelsFile);
      this.rows = this.cached.rows.length;
      if (this.phase.kind === 'error') this.phase = { kind: 'idle' };
    } catch (e) {
      this.phase = { kind: 'error', message: e instanceof Error ? e.message : String(e) };
    }
    this.setPhase(this.phase);
  }

  private setPhase(phase: Phase): void {
    this.phase = phase;
    const words = { idle: '', retraining: ' · retraining…', ready: ' · ready', error: ' · error' }[phase.kind];
    this.item.text = `${phase.kind === 'retraining' ? '$(sync~spin)' : phase.kind === 'error' ? '$(error)' : '$(tag)'} your labels: ${this.rows}${words}`;
    const tip = new vscode.MarkdownString(`**Sentence Lens labels** — ${this.params()?.labelsFile ?? 'no workspace folder'}\n\n`);
    if (phase.kind === 'ready' && phase.result.heldOut) {
      tip.appendMarkdown(`Heads retrained in ${phase.result.trainMs.toFixed(0)} ms. Held-out accuracy: ${Object.entries(phase.result.heldOut.after).map(([t, a]) => `${t} ${pct(phase.result.heldOut!.before[t]!)} → ${pct(a)}`).join(', ')}\n\n`);
    }
    if (phase.kind === 'error') tip.appendText(`${phase.message}\n\n`);
    tip.appendMarkdown('Click to open the labels file.');
    this.item.tooltip = tip;
    if (this.rows > 0 || phase.kind !== 'idle') this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
