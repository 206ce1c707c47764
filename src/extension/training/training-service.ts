/**
 * Training as the rest of the extension uses it (the panel, Train on CSV…, the status bar): the
 * runs folder from the settings, the RunManager, one trainer process for the panel's questions,
 * and what is done with a finished run (use it for annotations, export, reveal, delete).
 */
import { homedir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { TrainOptions } from '../../engine/train/trainer-options.js';
import type { DeviceSetting } from '../../protocol.js';
import { type RunLogEntry } from '../../runs/run-folder.js';
import type { RunSummary } from '../../webview/schema.js';
import type { CommandContext } from '../commands/context.js';
import { expandModelPath, OFFLINE_MODEL, SECTION } from '../settings.js';
import { checkpointSetting, displayPath, isInside, runsFolderPath } from './paths.js';
import { RunManager, type RunRow, runRows } from './run-manager.js';
import { TrainerProcess } from './trainer-client.js';

export class TrainingService implements vscode.Disposable {
  readonly runs: RunManager;
  private questionProcess: TrainerProcess | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a run starts or ends, is deleted, or is put to use. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly ctx: CommandContext,
  ) {
    this.runs = new RunManager({ trainerPath: context.asAbsolutePath('dist/trainer.js'), log: (l) => ctx.log.info(l) });
    const subs = [this.runs.onDidChange(() => this.changed.fire()), this.runs.onDidProgress(() => this.showProgress())];
    this.subscriptions.push(...subs.map((s) => ({ dispose: () => s.dispose() })), this.changed);
    const dir = this.runsDirOrUndefined();
    if (dir) void this.runs.attachRunning(dir).catch((e) => ctx.log.warn(`re-attaching to runs in ${dir}: ${String(e)}`));
  }

  get folders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  }

  /** The runs folder; throws with the reason when there is no workspace folder to hold it. */
  runsDir(): string {
    const dir = this.runsDirOrUndefined();
    if (!dir) throw new Error('training needs an open folder: runs are saved in the workspace (setting sentenceLens.runsFolder)');
    return dir;
  }

  runsDirOrUndefined(): string | undefined {
    const first = this.folders[0];
    if (!first) return undefined;
    // runsFolder is a restricted setting: in Restricted Mode VS Code gives the user settings' value only.
    return runsFolderPath(this.ctx.host.settings().runsFolder, first);
  }

  /** The process that answers the panel's questions (started on first use, ended with the panel). */
  questions(): TrainerProcess {
    if (!this.questionProcess?.alive) {
      this.questionProcess = new TrainerProcess({ trainerPath: this.context.asAbsolutePath('dist/trainer.js'), log: (l) => this.ctx.log.info(l) });
    }
    return this.questionProcess;
  }

  endQuestions(): void {
    this.questionProcess?.kill();
    this.questionProcess = undefined;
  }

  /** The base model the user settings name (what Restricted Mode allows), expanded. */
  settingsModel(): string {
    return this.expand(vscode.workspace.getConfiguration(SECTION).inspect<string>('model')?.globalValue ?? OFFLINE_MODEL);
  }

  /** The model setting as this workspace sees it (user settings only in Restricted Mode), expanded. */
  baseModel(): string {
    if (!vscode.workspace.isTrusted) return this.settingsModel();
    return this.expand(vscode.workspace.getConfiguration(SECTION).get<string>('model') || OFFLINE_MODEL);
  }

  /** How a base model is named in the runs list: "offline model", a hub id, a workspace path or a folder name. */
  modelLabel(model: string): string {
    if (model === this.offlineModel()) return 'offline model';
    if (isAbsolute(model)) return this.folders.some((f) => isInside(model, f)) ? displayPath(model, this.folders) : basename(model);
    return model;
  }

  /** The device setting (user settings only in Restricted Mode, as for the model server). */
  device(): DeviceSetting {
    return this.ctx.host.settings().device;
  }

  private expand(value: string): string {
    return expandModelPath(value, { extensionPath: this.context.extensionPath, workspaceFolder: this.folders[0], home: homedir() });
  }

  offlineModel(): string {
    return expandModelPath(OFFLINE_MODEL, { extensionPath: this.context.extensionPath, home: homedir() });
  }

  async start(options: Omit<TrainOptions, 'out'>, labels: Record<string, string>): Promise<{ id: string; dir: string }> {
    const run = await this.runs.start(this.runsDir(), options, labels);
    this.ctx.log.info(`training run ${run.id} started in ${run.dir}`);
    return run;
  }

  async rows(): Promise<RunRow[]> {
    const dir = this.runsDirOrUndefined();
    return dir ? runRows(dir) : [];
  }

  async summaries(): Promise<RunSummary[]> {
    const active = this.activeCheckpointPath();
    return (await this.rows()).map((r) => ({
      id: r.meta.id,
      dir: r.dir,
      created: r.meta.created,
      status: r.status,
      options: r.meta.labels,
      step: r.meta.step,
      totalSteps: r.meta.totalSteps,
      best: r.meta.best,
      bestLoss: r.meta.bestLoss,
      checkpoints: r.checkpoints,
      active: active !== undefined && isInside(active, r.dir),
      ...(r.meta.message ? { message: r.meta.message } : {}),
    }));
  }

  /** The folder of the run called `id`, when it exists in the runs folder. */
  async runDir(id: string): Promise<string | undefined> {
    return (await this.rows()).find((r) => r.meta.id === id)?.dir;
  }

  /** The checkpoint to use from a run: its best (lowest validation loss), else its last. */
  async checkpointOf(runDir: string): Promise<string | undefined> {
    const row = (await this.rows()).find((r) => r.dir === runDir);
    if (!row) return undefined;
    return row.checkpoints.includes('best') ? join(runDir, 'best') : row.checkpoints.includes('last') ? join(runDir, 'last') : undefined;
  }

  /**
   * Makes the run's checkpoint the model for this workspace (sentenceLens.activeCheckpoint); the
   * model server reloads and the open documents' annotations are classified again with it.
   */
  async useForAnnotations(runDir: string): Promise<boolean> {
    const checkpoint = await this.checkpointOf(runDir);
    if (!checkpoint) {
      void vscode.window.showWarningMessage('Sentence Lens: this run has no checkpoint yet.');
      return false;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Sentence Lens: in Restricted Mode a workspace cannot choose the model. Trust the workspace, or choose this checkpoint for all workspaces with "Sentence Lens: Select Model…" → Checkpoint….',
      );
      return false;
    }
    const value = checkpointSetting(checkpoint, this.folders[0]);
    await vscode.workspace.getConfiguration(SECTION).update('activeCheckpoint', value, vscode.ConfigurationTarget.Workspace);
    this.ctx.log.info(`activeCheckpoint for this workspace: ${value}`);
    // Loading it makes the model server switch; ModelChangeRefresher then classifies the
    // annotations on screen again with it.
    await this.ctx.host.ensureModel();
    this.changed.fire();
    return true;
  }

  async exportOnnx(runDir: string): Promise<void> {
    const checkpoint = await this.checkpointOf(runDir);
    if (!checkpoint) return;
    const target = await vscode.window.showSaveDialog({
      title: 'Export ONNX',
      defaultUri: vscode.Uri.file(join(runDir, 'model.onnx')),
      filters: { 'ONNX model': ['onnx'] },
    });
    if (!target) return;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Sentence Lens: exporting ONNX' }, () =>
      this.questions().exportOnnx({ checkpoint, out: target.fsPath }),
    );
    void vscode.window.showInformationMessage(`Sentence Lens: wrote ${displayPath(r.onnx, this.folders)} (${(r.bytes / 1e6).toFixed(1)} MB) and its .json sidecar.`);
  }

  async reveal(runDir: string): Promise<void> {
    await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(runDir));
  }

  async delete(runDir: string): Promise<boolean> {
    const pick = await vscode.window.showWarningMessage(`Delete the run folder ${displayPath(runDir, this.folders)} and its checkpoints?`, { modal: true }, 'Delete');
    if (pick !== 'Delete') return false;
    if (this.activeCheckpointPath() && isInside(this.activeCheckpointPath()!, runDir)) {
      await vscode.workspace.getConfiguration(SECTION).update('activeCheckpoint', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await this.runs.delete(runDir);
    return true;
  }

  watch(runDir: string, listener: (entries: readonly RunLogEntry[], reset: boolean) => void) {
    return this.runs.watch(runDir, listener);
  }

  dispose(): void {
    this.endQuestions();
    this.runs.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  private activeCheckpointPath(): string | undefined {
    const v = this.ctx.host.settings().activeCheckpoint;
    if (!v) return undefined;
    try {
      return this.expand(v);
    } catch {
      return undefined;
    }
  }

  /** `training 42%` in the status bar while a run goes on, nothing once none does. */
  private showProgress(): void {
    const running = this.runs.progress();
    if (running.length === 0) {
      this.ctx.status.setTraining(undefined);
      return;
    }
    const p = running[0]!;
    const pct = p.totalSteps > 0 ? Math.floor((100 * p.step) / p.totalSteps) : 0;
    this.ctx.status.setTraining(p.phase === 'training' || p.totalSteps > 0 ? `training ${pct}%${running.length > 1 ? ` (+${running.length - 1})` : ''}` : `training: ${p.phase}`);
  }
}
