/**
 * The extension's side of one trainer process (dist/trainer.js), free of `vscode` so tests can
 * drive it: forked detached (its own process group, so a window reload that ends the extension
 * host does not end a run), vscode-jsonrpc over IPC, failures as ClientErrors.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { IPCMessageReader, IPCMessageWriter, type MessageConnection, ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import {
  CachedModelsRequest,
  CheckOptionsRequest,
  type CheckOptionsResult,
  DescribeModelRequest,
  type DescribeModelParams,
  type ErrorData,
  ExportRequest,
  type ExportParams,
  InspectCsvRequest,
  type InspectCsvParams,
  REQUEST_CANCELLED,
  RunEventNotification,
  type RunEventParams,
  StartRunRequest,
  type StartRunParams,
  StopRunRequest,
} from '../../protocol.js';
import type { CsvInspection } from '../../engine/data/inspect.js';
import type { ModelPicture } from '../../engine/train/model-picture.js';
import { ClientError } from '../server-client.js';

export interface TrainerProcessOptions {
  readonly trainerPath: string;
  readonly log: (line: string) => void;
  readonly onRunEvent?: (p: RunEventParams) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export class TrainerProcess {
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  private gone = false;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;

  constructor(private readonly opts: TrainerProcessOptions) {
    this.child = fork(opts.trainerPath, [], {
      execArgv: [],
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Inside VS Code process.execPath is Electron; this makes it behave as plain Node.
      env: { ...(opts.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
    });
    if (this.child.stderr) createInterface({ input: this.child.stderr }).on('line', (l) => opts.log(l));
    this.connection = createMessageConnection(new IPCMessageReader(this.child), new IPCMessageWriter(this.child));
    this.exited = new Promise((resolve) => {
      const done = (why: string) => {
        if (this.gone) return;
        this.gone = true;
        opts.log(`trainer process ${this.child.pid ?? ''} ${why}`);
        this.connection.dispose();
        resolve();
      };
      this.child.on('exit', (code, signal) => done(signal ? `was killed by ${signal}` : `exited with code ${code}`));
      this.child.on('error', (e) => done(`could not run: ${e.message}`));
    });
    this.connection.onNotification(RunEventNotification, (p) => opts.onRunEvent?.(p));
    this.connection.onError(([e]) => opts.log(`trainer connection error: ${e.message}`));
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.gone;
  }

  inspectCsv(p: InspectCsvParams): Promise<CsvInspection> {
    return this.send(() => this.connection.sendRequest(InspectCsvRequest, p));
  }

  describeModel(p: DescribeModelParams): Promise<ModelPicture> {
    return this.send(() => this.connection.sendRequest(DescribeModelRequest, p));
  }

  checkOptions(options: Readonly<Record<string, unknown>>): Promise<CheckOptionsResult> {
    return this.send(() => this.connection.sendRequest(CheckOptionsRequest, { options }));
  }

  cachedModels(): Promise<readonly string[]> {
    return this.send(() => this.connection.sendRequest(CachedModelsRequest));
  }

  exportOnnx(p: ExportParams): Promise<{ onnx: string; bytes: number }> {
    return this.send(() => this.connection.sendRequest(ExportRequest, p));
  }

  startRun(p: StartRunParams): Promise<{ pid: number }> {
    return this.send(() => this.connection.sendRequest(StartRunRequest, p));
  }

  /** Resolves once the run has ended and saved `last`. */
  stopRun(): Promise<void> {
    return this.send(() => this.connection.sendRequest(StopRunRequest));
  }

  /** Lets go of the process: one with a run keeps running (it exits when the run ends); an idle one exits. */
  release(): void {
    if (this.gone) return;
    this.connection.dispose();
    if (this.child.connected) this.child.disconnect();
    this.child.stderr?.destroy();
    this.child.unref();
  }

  /** Ends the process now (a question process the panel no longer needs). */
  kill(): void {
    if (!this.gone) this.child.kill();
  }

  private async send<R>(request: () => Promise<R>): Promise<R> {
    if (this.gone) throw new ClientError('SERVER_DIED', 'the trainer process has exited');
    try {
      return await Promise.race([request(), this.exited.then(() => Promise.reject(new ClientError('SERVER_DIED', 'the trainer process exited while answering')))]);
    } catch (e) {
      throw toClientError(e);
    }
  }
}

function toClientError(e: unknown): ClientError {
  if (e instanceof ClientError) return e;
  if (e instanceof ResponseError) {
    if (e.code === REQUEST_CANCELLED) return new ClientError('CANCELLED', 'cancelled');
    const data = e.data as ErrorData | undefined;
    return new ClientError(data?.code ?? 'INTERNAL', e.message);
  }
  return new ClientError('INTERNAL', e instanceof Error ? e.message : String(e));
}
