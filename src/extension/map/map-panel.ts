/**
 * One Sentence Map panel: the map of one source, the current document (following the active
 * editor while asked), a fixed document, or a CSV; map-command.ts keeps one panel per source.
 * The host asks the model server for the map (nothing heavy runs here), sends it to the page,
 * reveals the sentence or row of a clicked point, and tells the page which point the editor's
 * cursor is in. "Label selected as…" and the recolouring after a retrain are in map-labels.ts.
 */
import * as vscode from 'vscode';
import { selectedSentences } from '../../engine/map/map-data.js';
import type { SentenceMapData } from '../../protocol.js';
import { type HostToMap, type MapData, type MapSource, MapState, MapToHost } from '../../webview/schema.js';
import { noProseReason } from '../../text/prose/languages.js';
import type { SentenceRange } from '../../text/sentence-range.js';
import type { DocumentReader } from '../document-reader.js';
import type { ModelHost } from '../model-host.js';
import { ClientError } from '../server-client.js';
import { proseOptions } from '../settings.js';
import { WebviewPanelHost } from '../webview/panel-host.js';
import { chooseLabel, type MapTeacher, recoloured } from './map-labels.js';
import { mapTitle, type SourcedMap } from './map-registry.js';
import { insideFolders, isCsvPath, pointAt } from './map-targets.js';

/** What is on the map now: the data, and for a document the sentence ranges it was made from. */
interface Mapped {
  readonly source: MapSource;
  readonly title: string;
  readonly data: SentenceMapData;
  readonly ranges?: readonly SentenceRange[];
  readonly version?: number;
}

const PHASE_TITLES = { embed: 'Embedding sentences', project: 'Projecting to 2-D' } as const;

export const SENTENCE_MAP_VIEW_TYPE = 'sentenceLens.sentenceMap';

export class SentenceMapPanel extends WebviewPanelHost<MapToHost, HostToMap, MapState> implements SourcedMap {
  private current: MapSource | undefined;
  private mapped: Mapped | undefined;
  private seed: number | undefined;
  private view: { task?: string; search?: string } = {};
  private work: vscode.CancellationTokenSource | undefined;
  private ready = false;
  private lastCurrent: number | null = null;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private readonly host: ModelHost,
    private readonly reader: DocumentReader,
    private readonly teacher: MapTeacher | undefined,
    /** Called once when the panel is closed, so that the registry forgets it. */
    private readonly onDidClose: (panel: SentenceMapPanel) => void,
  ) {
    super(extensionUri, log, { viewType: SENTENCE_MAP_VIEW_TYPE, view: 'map', title: mapTitle(undefined), incoming: MapToHost, state: MapState, sharedSerializer: true });
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor((e) => e && this.followTo(e.document)),
      vscode.window.onDidChangeTextEditorSelection((e) => this.cursorMoved(e.textEditor)),
      vscode.workspace.onDidChangeTextDocument((e) => this.documentChanged(e.document)),
      ...(teacher ? [teacher.onDidRetrain(() => void this.recolour())] : []),
    ];
  }

  /** What the panel maps: the registry finds the panel by it. */
  get source(): MapSource | undefined {
    return this.current;
  }

  /** The tab names the file, so that several maps can be told apart. */
  private set source(source: MapSource | undefined) {
    this.current = source;
    this.setTitle(mapTitle(source));
  }

  /** Opens the map for `source` (or reveals it, when it already shows that source). */
  open(source: MapSource): void {
    // The source first, so that a new tab is created with its title.
    this.source = source;
    this.show(vscode.ViewColumn.Beside);
    if (this.mapped && sameSource(this.mapped.source, source) && !this.work) return;
    if (this.ready) void this.compute();
  }

  override dispose(): void {
    this.release();
    super.dispose();
  }

  protected override onAttached(state: MapState | undefined): void {
    this.ready = false;
    this.mapped = undefined;
    if (state?.source) {
      this.source = state.source;
      this.seed = state.seed;
      this.view = { task: state.task, search: state.search };
    }
  }

  /** Closing the tab ends this map for good (its listeners too); the other maps stay. */
  protected override onClosed(): void {
    this.ready = false;
    this.mapped = undefined;
    this.release();
  }

  private release(): void {
    this.work?.cancel();
    const first = this.subscriptions.length > 0;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    if (first) this.onDidClose(this);
  }

  protected override onMessage(m: MapToHost): unknown {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.mapped) return this.postMap(this.mapped);
        return this.source ? this.compute() : this.post({ type: 'error', message: 'Open a document or a CSV and run "Sentence Lens: Show Sentence Map".' });
      case 'log':
        return this.log[m.level === 'error' ? 'error' : m.level === 'warn' ? 'warn' : 'info'](`map page: ${m.message}`);
      case 'reveal':
        return this.reveal(m.point);
      case 'refresh':
        if (m.seed !== undefined) this.seed = m.seed;
        return this.compute();
      case 'cancel':
        return this.work?.cancel();
      case 'follow':
        if (this.source?.kind === 'document') this.source = { ...this.source, follow: m.follow };
        return;
      case 'viewChanged':
        this.view = { task: m.task, search: m.search };
        return;
      case 'labelSelected':
        return this.labelSelected(m.points, m.task);
    }
  }

  private async compute(): Promise<void> {
    const source = this.source;
    if (!source) return;
    this.work?.cancel();
    const work = (this.work = new vscode.CancellationTokenSource());
    try {
      const input = await this.readSource(source, work.token);
      this.post({ type: 'progress', title: `Loading the model`, phase: 'load', done: 0, total: 0 });
      const data = await this.host.map({ source: input.params, seed: this.seed }, work.token, (phase, done, total) =>
        this.post({ type: 'progress', title: PHASE_TITLES[phase], phase, done, total }),
      );
      if (work.token.isCancellationRequested) throw new ClientError('CANCELLED', 'cancelled');
      this.mapped = { source, title: input.title, data, ranges: input.ranges, version: input.version };
      this.log.info(`map of ${input.title}: ${data.texts.length} points (${data.method}), embedding ${Math.round(data.timings.embedMs)} ms, projection ${Math.round(data.timings.projectMs)} ms`);
      this.postMap(this.mapped);
    } catch (e) {
      if (e instanceof ClientError && e.code === 'CANCELLED') this.post({ type: 'cancelled' });
      else {
        const message = e instanceof Error ? e.message : String(e);
        this.log.error(`map: ${message}`);
        this.post({ type: 'error', message });
      }
    } finally {
      if (this.work === work) this.work = undefined;
      work.dispose();
    }
  }

  /** "Label selected as…": one label for every selected sentence, written to the labels file. */
  private async labelSelected(points: readonly number[], task: string): Promise<void> {
    const m = this.mapped;
    if (!m || !this.teacher) return;
    const why = this.teacher.unavailable();
    if (why) {
      void vscode.window.showInformationMessage(`Sentence Lens: ${why}`);
      return;
    }
    try {
      const sentences = selectedSentences(m.data, points);
      if (sentences.length === 0) return;
      const choice = await chooseLabel(this.host, this.teacher, m.data, sentences, task);
      if (!choice) return;
      await this.teacher.labelAll(sentences, choice.task, choice.label);
      this.post({ type: 'labelled', task: choice.task, label: choice.label, count: sentences.length });
    } catch (e) {
      await this.host.showError(e);
    }
  }

  /** After a retrain: the points classified by the new heads, drawn where they were. */
  private async recolour(): Promise<void> {
    const m = this.mapped;
    if (!m || !this.ready || this.work) return;
    try {
      const data = await recoloured(this.host, m.data);
      if (this.mapped !== m) return;
      this.mapped = { ...m, data };
      this.post({ type: 'recoloured', data: data as MapData });
    } catch (e) {
      this.log.error(`map: recolouring after the retrain failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async readSource(source: MapSource, token: vscode.CancellationToken) {
    if (source.kind === 'csv') {
      const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
      if (!insideFolders(source.path, folders)) throw new Error(`${source.path} is not inside the workspace; open the map from a CSV in the workspace`);
      return { params: { kind: 'csv' as const, path: source.path }, title: vscode.workspace.asRelativePath(source.path) };
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(source.uri));
    // Its sentences as Annotate Document reads them (Markdown as Markdown), by the prose worker.
    const options = proseOptions(this.host.settings());
    const ranges = await this.reader.sentences(doc, options, token);
    const version = doc.version;
    if (ranges.length === 0) {
      const title = vscode.workspace.asRelativePath(doc.uri);
      throw new Error(`${title} has no sentences to map${noProseReason(doc.languageId, options) ? ` (${noProseReason(doc.languageId, options)})` : ''}`);
    }
    return { params: { kind: 'texts' as const, texts: ranges.map((r) => r.text) }, title: vscode.workspace.asRelativePath(doc.uri), ranges, version };
  }

  private postMap(m: Mapped): void {
    this.post({ type: 'map', source: m.source, title: m.title, data: m.data as MapData, task: this.view.task, search: this.view.search });
    this.lastCurrent = null;
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => this.isMapped(e.document));
    if (editor) this.cursorMoved(editor);
    if (m.version !== undefined) {
      const doc = vscode.workspace.textDocuments.find((d) => this.isMapped(d));
      this.post({ type: 'stale', stale: doc !== undefined && doc.version !== m.version });
    }
  }

  private async reveal(point: number): Promise<void> {
    const m = this.mapped;
    if (!m || point >= m.data.texts.length) return;
    if (m.source.kind === 'csv') {
      const line = (m.data.lines?.[point] ?? 1) - 1;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(m.source.path));
      const editor = await vscode.window.showTextDocument(doc, { viewColumn: this.editorColumn(doc), preserveFocus: false });
      const range = doc.lineAt(Math.min(line, doc.lineCount - 1)).range;
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(m.source.uri));
    const r = m.ranges![point]!;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: this.editorColumn(doc), preserveFocus: false });
    editor.selection = new vscode.Selection(doc.positionAt(r.start), doc.positionAt(r.end));
    editor.revealRange(editor.selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** The column of an editor already showing the document, else the first one. */
  private editorColumn(doc: vscode.TextDocument): vscode.ViewColumn {
    return vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn ?? vscode.ViewColumn.One;
  }

  private isMapped(doc: vscode.TextDocument): boolean {
    const s = this.mapped?.source;
    return s?.kind === 'document' ? doc.uri.toString() === s.uri : s?.kind === 'csv' ? doc.uri.scheme === 'file' && doc.uri.fsPath === s.path : false;
  }

  private cursorMoved(editor: vscode.TextEditor): void {
    const m = this.mapped;
    if (!m || !this.ready || !this.isMapped(editor.document)) return;
    const line = editor.selection.active.line + 1;
    const point = m.ranges ? (pointAt(m.ranges, editor.document.offsetAt(editor.selection.active)) ?? null) : (m.data.lines?.findIndex((l) => l === line) ?? -1);
    const current = point === -1 ? null : point;
    if (current === this.lastCurrent) return;
    this.lastCurrent = current;
    this.post({ type: 'current', point: current });
  }

  private followTo(doc: vscode.TextDocument): void {
    const s = this.source;
    if (!this.isOpen || s?.kind !== 'document' || !s.follow || doc.uri.toString() === s.uri || isCsvPath(doc.uri.path) || doc.uri.scheme === 'output') return;
    this.source = { kind: 'document', uri: doc.uri.toString(), follow: true };
    if (this.ready) void this.compute();
  }

  private documentChanged(doc: vscode.TextDocument): void {
    const m = this.mapped;
    if (m?.version !== undefined && this.ready && this.isMapped(doc)) this.post({ type: 'stale', stale: doc.version !== m.version });
  }
}

function sameSource(a: MapSource, b: MapSource): boolean {
  return a.kind === 'csv' ? b.kind === 'csv' && a.path === b.path : b.kind === 'document' && a.uri === b.uri;
}
