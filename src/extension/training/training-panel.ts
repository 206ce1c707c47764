/**
 * The training panel's host: answers the page (src/webview/panel) from the TrainingService, with
 * every path the page names confined to the workspace folders (or one this host handed it), and
 * the base model limited to the user settings in Restricted Mode.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CsvInspection } from '../../engine/data/inspect.js';
import { HostToPanel, type PanelOptions, PanelState, PanelToHost, type RunLogEntry } from '../../webview/schema.js';
import { WebviewPanelHost } from '../webview/panel-host.js';
import { confine, displayPath } from './paths.js';
import { confineAdaptPaths, FORM_FIELD, runLabels, toTrainOptions } from './panel-options.js';
import type { TrainingService } from './training-service.js';

export const TRAINING_PANEL_VIEW_TYPE = 'sentenceLens.trainingPanel';
const HUB_ID = /^(?:[\w\-.]+\/)?[\w\-.]{1,96}$/;

type Out = import('zod').infer<typeof HostToPanel>;

export class TrainingPanel extends WebviewPanelHost<PanelToHost, Out, PanelState> {
  /** Paths the page may name although they lie outside the workspace: ones this host gave it. */
  private readonly approved = new Set<string>();
  private readonly inspections = new Map<string, CsvInspection>();
  private runWatch: { dispose(): void } | undefined;
  private watchedRun: string | undefined;
  private pendingCsv: string | undefined;
  private ready = false;
  private readonly serviceSub: vscode.Disposable;

  constructor(
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private readonly service: TrainingService,
  ) {
    super(extensionUri, log, { viewType: TRAINING_PANEL_VIEW_TYPE, view: 'panel', title: 'Sentence Lens: Training', incoming: PanelToHost, state: PanelState });
    this.serviceSub = service.onDidChange(() => void this.postRuns());
  }

  /** Opens (or reveals) the panel with `csv` chosen as the training data. */
  openWith(csv: string): void {
    this.show();
    if (this.ready) this.post({ type: 'selectCsv', purpose: 'train', path: csv });
    else this.pendingCsv = csv;
  }

  override dispose(): void {
    this.serviceSub.dispose();
    this.runWatch?.dispose();
    super.dispose();
  }

  protected override onClosed(): void {
    this.ready = false;
    this.runWatch?.dispose();
    this.runWatch = undefined;
    this.watchedRun = undefined;
    this.service.endQuestions();
  }

  protected override onAttached(): void {
    this.ready = false;
  }

  protected override async onMessage(m: PanelToHost): Promise<void> {
    switch (m.type) {
      case 'ready': return this.init();
      case 'log': return this.pageLog(m.level, m.message);
      case 'browseCsv': return this.browseCsv(m.purpose);
      case 'browseModelFolder': return this.browseModelFolder(m.purpose);
      case 'browseAdaptText': return this.browseAdaptText(m.kind);
      case 'inspectCsv': return this.inspect(m.csv, m.textColumn, m.tasks);
      case 'describeModel': return this.describeModel(m.options);
      case 'checkOptions': return this.checkOptions(m.options);
      case 'openLocation': return this.openLocation(m.location.file, m.location.line, m.location.column);
      case 'start': return this.start(m.options);
      case 'stop': return this.withRun(m.runId, (dir) => this.service.runs.stop(dir));
      case 'resume': return this.withRun(m.runId, async (dir) => {
        await this.service.runs.resume(dir);
        await this.showRun(m.runId, dir);
      });
      case 'showRun': return this.withRun(m.runId, (dir) => this.showRun(m.runId, dir));
      case 'runAction': return this.withRun(m.runId, (dir) => this.runAction(m.action, dir));
    }
  }

  private pageLog(level: 'info' | 'warn' | 'error', message: string): void {
    const line = `training panel: ${message}`;
    if (level === 'error') this.log.error(line);
    else if (level === 'warn') this.log.warn(line);
    else this.log.info(line);
  }

  private async init(): Promise<void> {
    // A fresh page (first load, shown again, reloaded window) draws the run it shows from scratch.
    this.runWatch?.dispose();
    this.runWatch = undefined;
    this.watchedRun = undefined;
    const questions = this.service.questions();
    let trouble: string | undefined;
    const [files, cached, defaults, runs] = await Promise.all([
      this.csvFiles(),
      questions.cachedModels().catch(() => [] as readonly string[]),
      questions.checkOptions({}).catch((e: unknown) => {
        trouble = `the trainer process does not answer (${e instanceof Error ? e.message : String(e)}); see Sentence Lens: Show Log`;
        return { errors: {}, resolved: undefined };
      }),
      this.service.summaries(),
    ]);
    for (const r of runs) for (const k of r.checkpoints) this.approved.add(join(r.dir, k));
    this.post({
      type: 'init',
      csvFiles: files,
      cachedModels: [...cached],
      restricted: !vscode.workspace.isTrusted,
      offlineAvailable: existsSync(this.service.offlineModel()),
      settingsModel: this.service.baseModel(),
      settingsDevice: this.service.device(),
      runs,
      runsFolder: this.service.runsDirOrUndefined() ?? '',
      defaults: defaults.resolved ?? {},
    });
    this.ready = true;
    if (trouble) this.error(trouble);
    if (this.pendingCsv) {
      this.post({ type: 'selectCsv', purpose: 'train', path: this.pendingCsv });
      this.pendingCsv = undefined;
    }
  }

  private async csvFiles(): Promise<{ path: string; label: string }[]> {
    const uris = await vscode.workspace.findFiles('**/*.{csv,CSV}', '**/{node_modules,.git,.sentence-lens}/**', 1000);
    const folders = this.service.folders;
    return uris.map((u) => ({ path: u.fsPath, label: displayPath(u.fsPath, folders) })).sort((a, b) => a.label.localeCompare(b.label));
  }

  private async postRuns(): Promise<void> {
    if (!this.ready) return;
    this.post({ type: 'runs', runs: await this.service.summaries() });
  }

  private error(message: string, location?: { file: string; line: number; column?: number }): void {
    this.post({ type: 'error', error: { message, ...(location ? { location } : {}) } });
  }

  private confined(path: string): string | undefined {
    const abs = confine(path, this.service.folders, this.approved);
    if (!abs) {
      this.log.warn(`training panel: refused ${path}: outside the workspace folders`);
      this.error(`${path} is outside the workspace folders; choose a file in the workspace`);
    }
    return abs;
  }

  private async browseCsv(purpose: 'train' | 'validation'): Promise<void> {
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      filters: { CSV: ['csv', 'tsv', 'txt'] },
      openLabel: purpose === 'train' ? 'Train on This CSV' : 'Validate on This CSV',
    });
    const path = uris?.[0]?.fsPath;
    if (!path || !this.confined(path)) return;
    this.post({ type: 'csvFiles', files: await this.csvFiles() });
    this.post({ type: 'selectCsv', purpose, path });
  }

  private async browseModelFolder(purpose: 'folder' | 'checkpoint'): Promise<void> {
    const uris = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      openLabel: purpose === 'folder' ? 'Use Model Folder' : 'Continue from Checkpoint',
    });
    const path = uris?.[0]?.fsPath;
    if (!path) return;
    this.approved.add(path);
    this.post({ type: 'selectModelFolder', purpose, path });
  }

  /** Workspace text to adapt on; anything outside the workspace folders is refused, as for the CSV. */
  private async browseAdaptText(kind: 'files' | 'folder'): Promise<void> {
    const uris = await vscode.window.showOpenDialog({
      canSelectFiles: kind === 'files',
      canSelectFolders: kind === 'folder',
      canSelectMany: kind === 'files',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      ...(kind === 'files' ? { filters: { Text: ['txt', 'md', 'markdown', 'text', 'csv', 'tsv'] } } : {}),
      openLabel: kind === 'files' ? 'Adapt on These Files' : 'Adapt on This Folder',
    });
    const paths: string[] = [];
    for (const u of uris ?? []) {
      const abs = this.confined(u.fsPath);
      if (abs) paths.push(abs);
    }
    if (paths.length) this.post({ type: 'addAdaptPaths', paths });
  }

  private async inspect(csv: string, textColumn: string | undefined, tasks: { name: string; column: string }[] | undefined): Promise<void> {
    const path = this.confined(csv);
    if (!path) return;
    const inspection = await this.service.questions().inspectCsv({
      csv: path,
      ...(textColumn ? { textColumn } : {}),
      ...(tasks ? { tasks: Object.fromEntries(tasks.map((t) => [t.name, t.column])) } : {}),
    });
    this.inspections.set(path, inspection);
    this.post({ type: 'inspection', inspection });
  }

  /** The base model the form names, as the engine takes it; undefined (with the reason shown) when refused. */
  private modelOf(o: PanelOptions): string | undefined {
    if (!vscode.workspace.isTrusted) return this.service.baseModel();
    const m = o.model;
    switch (m.kind) {
      case 'settings': return this.service.baseModel();
      case 'offline': return this.service.offlineModel();
      case 'hub':
        if (HUB_ID.test(m.id.trim()) && !m.id.includes('..')) return m.id.trim();
        this.error(`"${m.id}" is not a Hugging Face model id (expected "org/name")`);
        return undefined;
      case 'folder':
      case 'checkpoint': return this.confined(m.path);
    }
  }

  private async describeModel(o: PanelOptions): Promise<void> {
    const model = this.modelOf(o);
    if (!model) return;
    const csv = confine(o.csv, this.service.folders, this.approved);
    const counts = csv ? this.inspections.get(csv)?.labelCounts ?? {} : {};
    try {
      const picture = await this.service.questions().describeModel({
        model,
        tasks: o.tasks.map((t) => ({ name: t.name, labels: Object.keys(counts[t.name] ?? {}).length })),
        freeze: o.freeze.kind === 'bottom' ? `bottom:${o.freeze.bottomLayers}` : o.freeze.kind,
        frozenHeads: o.frozenHeads,
        lossWeights: o.lossWeights,
      });
      this.post({ type: 'modelPicture', picture });
    } catch (e) {
      this.post({ type: 'modelPicture', picture: null, error: { message: e instanceof Error ? e.message : String(e) } });
    }
  }

  private async checkOptions(o: PanelOptions): Promise<void> {
    const options = toTrainOptions(o, { csv: 'train.csv', val: 'val.csv', model: 'model', adapt: o.adaptPaths });
    const { errors } = await this.service.questions().checkOptions({ ...options, csv: undefined, model: undefined, val: undefined });
    this.post({ type: 'optionErrors', errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [FORM_FIELD[k] ?? k, v])) });
  }

  private async openLocation(file: string, line: number, column?: number): Promise<void> {
    const path = this.confined(file);
    if (!path) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    const pos = new vscode.Position(Math.min(line - 1, doc.lineCount - 1), 0);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Selection(pos, pos) });
    // The engine's column is the field number: put the cursor on that field.
    if (column && column > 1) {
      const text = doc.lineAt(pos.line).text;
      let field = 1;
      let at = 0;
      for (let i = 0; i < text.length && field < column; i++) if (text[i] === ',' || text[i] === ';' || text[i] === '\t') (field++, (at = i + 1));
      const p = new vscode.Position(pos.line, at);
      editor.selection = new vscode.Selection(p, p);
    }
  }

  private async start(o: PanelOptions): Promise<void> {
    const csv = this.confined(o.csv);
    const val = o.validation.kind === 'file' ? this.confined(o.validation.path) : undefined;
    const model = this.modelOf(o);
    const folders = this.service.folders;
    const adapt = confineAdaptPaths(o, folders);
    if (adapt.refused) this.confined(adapt.refused); // says why, as for any path
    if (!csv || !model || (o.validation.kind === 'file' && !val) || adapt.refused) return;
    const options = toTrainOptions(o, { csv, val, model, adapt: adapt.paths });
    try {
      const kinds = await Promise.all((adapt.paths ?? []).map(async (p) => ((await stat(p).catch(() => undefined))?.isDirectory() ? 'folder' as const : 'file' as const)));
      const run = await this.service.start(options, runLabels(options, { csv: displayPath(csv, folders), model: this.service.modelLabel(model), adapt: kinds }));
      await this.postRuns();
      await this.showRun(run.id, run.dir);
    } catch (e) {
      this.error(`could not start the run: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async withRun(runId: string, fn: (dir: string) => Promise<unknown>): Promise<void> {
    const dir = await this.service.runDir(runId);
    if (!dir) {
      this.error(`no run "${runId}" in ${this.service.runsDirOrUndefined() ?? 'the runs folder'}`);
      return;
    }
    try {
      await fn(dir);
    } catch (e) {
      this.error(e instanceof Error ? e.message : String(e));
    }
    await this.postRuns();
  }

  /** Sends the run's whole history, then each new entry, until another run is shown. */
  private async showRun(runId: string, dir: string): Promise<void> {
    if (this.watchedRun === dir) return;
    this.runWatch?.dispose();
    this.watchedRun = dir;
    this.runWatch = await this.service.watch(dir, (entries, reset) => this.post({ type: 'runEvents', runId, reset, entries: entries as unknown as RunLogEntry[] }));
  }

  private async runAction(action: 'use' | 'export' | 'reveal' | 'delete', dir: string): Promise<void> {
    switch (action) {
      case 'use': await this.service.useForAnnotations(dir); return;
      case 'export': await this.service.exportOnnx(dir); return;
      case 'reveal': await this.service.reveal(dir); return;
      case 'delete':
        if (this.watchedRun === dir) {
          this.runWatch?.dispose();
          this.watchedRun = undefined;
        }
        await this.service.delete(dir);
    }
  }
}
