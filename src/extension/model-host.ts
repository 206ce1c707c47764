/**
 * The model server as the extension sees it: a ServerClient (process, connection, restart)
 * configured from the settings, with VS Code progress, cancellation and error messages.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { withAbortSignal } from '../cancellation.js';
import { SentenceLensError } from '../engine/errors.js';
import { type ClassifyResult, type EmbedResult, type LabelsHeadsParams, type LoadModelParams, type MapParams, type ModelInfo, type ProgressParams, type RetrainHeadsParams, type RetrainHeadsResult, type SentenceMapData, type SimilarResult, sameModel } from '../protocol.js';
import { ClientError, type ClientState, ServerClient } from './server-client.js';
import { type ModelChoice, OFFLINE_MODEL, SECTION, expandModelPath, type Settings, loadParams, modelChoice, readSettings } from './settings.js';

export interface HostState {
  readonly state: ClientState;
  readonly detail?: string;
  readonly choice?: ModelChoice;
  readonly model?: ModelInfo;
}

let progressIds = 0;

export class ModelHost implements vscode.Disposable {
  private readonly client: ServerClient;
  private readonly sinks = new Map<string, (p: ProgressParams) => void>();
  private readonly emitter = new vscode.EventEmitter<HostState>();
  readonly onDidChangeState = this.emitter.event;
  private current: HostState = { state: 'stopped' };
  private choice: ModelChoice | undefined;
  private labels: () => LabelsHeadsParams | undefined = () => undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.client = new ServerClient({
      serverPath: context.asAbsolutePath('dist/server.js'),
      log: (line, level) => (level === 'debug' ? log.debug(line) : log.info(line)),
      onProgress: (p) => this.sinks.get(p.id)?.(p),
      onState: (state, detail) => this.setState({ ...this.current, state, detail }),
      onModel: (model) => this.setState({ ...this.current, model }),
    });
  }

  get state(): HostState {
    return this.current;
  }

  get pid(): number | undefined {
    return this.client.pid;
  }

  settings(): Settings {
    return readSettings(vscode.workspace.getConfiguration(SECTION), (w) => this.log.warn(w));
  }

  offlineModelDir(): string {
    return expandModelPath(OFFLINE_MODEL, { extensionPath: this.context.extensionPath, home: homedir() });
  }

  /** The model the settings ask for, expanded. */
  wanted(): { choice: ModelChoice; params: LoadModelParams } {
    const s = this.settings();
    const choice = modelChoice(s, {
      extensionPath: this.context.extensionPath,
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      home: homedir(),
    });
    const labels = this.labels();
    return { choice, params: { ...loadParams(s, choice), ...(labels ? { labels } : {}) } };
  }

  /** Where the workspace's labels and retrained heads are (the Teacher knows); part of every load. */
  setLabels(params: () => LabelsHeadsParams | undefined): void {
    this.labels = params;
  }

  /** Retrains the heads from the labels file on the server (loading the model first if needed). */
  async retrainHeads(params: RetrainHeadsParams, token?: vscode.CancellationToken): Promise<RetrainHeadsResult> {
    await this.ensureModel(token);
    return withAbortSignal([token], (signal) => this.client.retrainHeads(params, signal));
  }

  /** Loads the model the settings name unless it is already loaded, with a cancellable progress notification. */
  async ensureModel(token?: vscode.CancellationToken): Promise<ModelInfo> {
    const { choice, params } = this.wanted();
    const loaded = this.client.model;
    const desired = this.client.desiredModel;
    if (loaded && desired && sameModel(desired, params)) return loaded;
    if (choice.isOffline && !(await exists(choice.model))) {
      const e = new ClientError(
        'MISSING_FILE',
        `the bundled offline model is not in this build of Sentence Lens (${choice.model} is missing). Choose a model with "Sentence Lens: Select Model…": a Hugging Face id, a local model folder or a checkpoint.`,
      );
      this.setState({ state: 'error', detail: e.message, choice });
      throw e;
    }
    this.choice = choice;
    this.setState({ ...this.current, choice, model: undefined });
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Sentence Lens: loading ${choice.label}`, cancellable: true },
      async (progress, progressToken) => {
        const id = `load-${++progressIds}`;
        this.sinks.set(id, (p) => {
          if (p.kind === 'download') progress.report({ message: `downloading ${p.file} ${mb(p.bytesDone)} of ${mb(p.bytesTotal)}` });
          else if (p.kind === 'load') progress.report({ message: p.message });
        });
        try {
          return await withAbortSignal([token, progressToken], (signal) => this.client.load({ ...params, progressId: id }, signal));
        } finally {
          this.sinks.delete(id);
        }
      },
    );
  }

  /** Reloads when the model settings changed and a model was in use. */
  async settingsChanged(): Promise<void> {
    const { params } = this.wanted();
    const desired = this.client.desiredModel;
    if (!desired || sameModel(desired, params)) return;
    await this.ensureModel();
  }

  async classify(texts: readonly string[], token?: vscode.CancellationToken, onBatch?: (done: number, total: number) => void): Promise<ClassifyResult> {
    await this.ensureModel(token);
    return withAbortSignal([token], (signal) => this.withSink(onBatch, (progressId) => this.client.classify({ texts, progressId }, signal)));
  }

  async embed(texts: readonly string[], token?: vscode.CancellationToken): Promise<EmbedResult> {
    await this.ensureModel(token);
    return withAbortSignal([token], (signal) => this.client.embed({ texts }, signal));
  }

  async similar(query: string, texts: readonly string[], token?: vscode.CancellationToken, onBatch?: (done: number, total: number) => void): Promise<SimilarResult> {
    await this.ensureModel(token);
    return withAbortSignal([token], (signal) => this.withSink(onBatch, (progressId) => this.client.similar({ query, texts, progressId }, signal)));
  }

  /** A sentence map (embed, classify, project) from the server, with its phases' progress. */
  async map(params: Omit<MapParams, 'progressId'>, token?: vscode.CancellationToken, onProgress?: (phase: 'embed' | 'project', done: number, total: number) => void): Promise<SentenceMapData> {
    await this.ensureModel(token);
    const id = `map-${++progressIds}`;
    if (onProgress) this.sinks.set(id, (p) => p.kind === 'map' && onProgress(p.phase, p.done, p.total));
    try {
      return await withAbortSignal([token], (signal) => this.client.map({ ...params, progressId: onProgress ? id : undefined }, signal));
    } finally {
      this.sinks.delete(id);
    }
  }

  async restart(): Promise<void> {
    const { params } = this.wanted();
    if (this.client.desiredModel) this.client.select(params);
    await this.client.restart();
  }

  /** Shows why a command failed; silent for cancellation. */
  async showError(e: unknown): Promise<void> {
    const code = errorCode(e);
    if (code === 'CANCELLED') return;
    const message = e instanceof Error ? e.message : String(e);
    this.log.error(`${message} [${code}]`);
    const actions = code === 'MISSING_FILE' || code === 'NOT_FOUND' || code === 'OFFLINE' || code === 'BAD_CONFIG' ? ['Select Model…', 'Show Log'] : ['Show Log'];
    const pick = await vscode.window.showErrorMessage(`Sentence Lens: ${message}`, ...actions);
    if (pick === 'Show Log') this.log.show(true);
    if (pick === 'Select Model…') await vscode.commands.executeCommand('sentenceLens.selectModel');
  }

  dispose(): Promise<void> {
    this.emitter.dispose();
    return this.client.dispose();
  }

  private async withSink<R>(onBatch: ((done: number, total: number) => void) | undefined, fn: (id: string | undefined) => Promise<R>): Promise<R> {
    if (!onBatch) return fn(undefined);
    const id = `req-${++progressIds}`;
    this.sinks.set(id, (p) => p.kind === 'batch' && onBatch(p.done, p.total));
    try {
      return await fn(id);
    } finally {
      this.sinks.delete(id);
    }
  }

  private setState(s: HostState): void {
    this.current = { ...s, choice: s.choice ?? this.choice };
    this.emitter.fire(this.current);
  }
}

/** The code of an error that reached the user: ours carry one, anything else is internal. */
function errorCode(e: unknown): string {
  return e instanceof ClientError || e instanceof SentenceLensError ? e.code : 'INTERNAL';
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}
