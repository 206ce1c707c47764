/**
 * The extension's side of the model server, free of `vscode` so tests can drive it: forks
 * `dist/server.js` lazily, speaks vscode-jsonrpc over IPC, reloads the chosen model on every new
 * process, restarts with back-off when the process dies, and re-sends a request that was in
 * flight when it died once, so the user's command still completes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  CancellationTokenSource,
  IPCMessageReader,
  IPCMessageWriter,
  type MessageConnection,
  type RequestType,
  type RequestType0,
  ResponseError,
  createMessageConnection,
} from 'vscode-jsonrpc/node';
import {
  ClassifyRequest,
  type ClassifyResult,
  EmbedRequest,
  type EmbedResult,
  type ErrorData,
  type LoadModelParams,
  LoadModelRequest,
  MapRequest,
  type MapParams,
  type ModelInfo,
  ProgressNotification,
  type ProgressParams,
  REQUEST_CANCELLED,
  RetrainHeadsRequest,
  type RetrainHeadsParams,
  type RetrainHeadsResult,
  type SentenceMapData,
  ShutdownRequest,
  SimilarRequest,
  type SimilarParams,
  type SimilarResult,
  type StatusResult,
  StatusRequest,
  type TextsParams,
  isDebugLine,
  loadKey,
  sameModel,
} from '../protocol.js';

export type ClientErrorCode = ErrorData['code'] | 'SERVER_DIED' | 'GAVE_UP';

/** A failure the user should read: `message` says why. */
export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

export type ClientState = 'stopped' | 'starting' | 'loading' | 'ready' | 'error' | 'crashed';

export interface ServerClientOptions {
  readonly serverPath: string;
  /** Server stderr lines and client events; `debug` for the server's detail lines (protocol DEBUG_MARK). */
  readonly log: (line: string, level?: 'debug') => void;
  readonly onProgress?: (p: ProgressParams) => void;
  readonly onState?: (state: ClientState, detail?: string) => void;
  readonly onModel?: (info: ModelInfo) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** Delay before the n-th restart in a row (the last one repeats). */
  readonly restartDelaysMs?: readonly number[];
  /** This many crashes within `crashWindowMs` and the client stops restarting until restart(). */
  readonly maxCrashes?: number;
  readonly crashWindowMs?: number;
}

interface Generation {
  readonly child: ChildProcess;
  readonly connection: MessageConnection;
  readonly died: Promise<never>;
  dead: boolean;
  intentional: boolean;
  loadedKey?: string;
  /** The model this process holds now (its server replaced the previous one on success). */
  loadedInfo?: ModelInfo;
  loads: Map<string, PendingLoad>;
}

interface PendingLoad {
  readonly promise: Promise<ModelInfo>;
  /** Aborts the load on the server (a newer model choice, or its starter cancelled). */
  readonly abort: AbortController;
}

export class ServerClient {
  private gen: Generation | undefined;
  private starting: Promise<Generation> | undefined;
  private desired: LoadModelParams | undefined;
  private crashes: number[] = [];
  private disposed = false;
  private info: ModelInfo | undefined;
  private lastState: ClientState = 'stopped';
  private readonly delays: readonly number[];

  constructor(private readonly opts: ServerClientOptions) {
    this.delays = opts.restartDelaysMs ?? [250, 1000, 3000, 10000];
  }

  get pid(): number | undefined {
    return this.gen && !this.gen.dead ? this.gen.child.pid : undefined;
  }

  get model(): ModelInfo | undefined {
    return this.info;
  }

  get desiredModel(): LoadModelParams | undefined {
    return this.desired;
  }

  /** Chooses the model every later request uses and loads it now; a pending load of another model is cancelled. */
  load(params: LoadModelParams, signal?: AbortSignal): Promise<ModelInfo> {
    this.choose(params);
    return this.call((gen) => this.loadOn(gen, params, signal), signal);
  }

  /** Chooses the model without loading it (the next request loads it); a pending load of another model is cancelled. */
  select(params: LoadModelParams): void {
    this.choose(params);
  }

  private choose(params: LoadModelParams): void {
    this.desired = params;
    const k = loadKey(params);
    const gen = this.gen;
    if (!gen) return;
    for (const [other, pending] of gen.loads) {
      if (other === k) continue;
      this.opts.log(`cancelling the load of ${JSON.parse(other)[0]}: another model was chosen`);
      pending.abort.abort();
    }
  }

  private loaded(info: ModelInfo): void {
    this.info = info;
    this.opts.onModel?.(info);
    this.state('ready');
  }

  private state(state: ClientState, detail?: string): void {
    this.lastState = state;
    this.opts.onState?.(state, detail);
  }

  /** Is `params` the model chosen now? Only its load may change the state the user sees. */
  private isDesired(params: LoadModelParams): boolean {
    return this.desired !== undefined && loadKey(this.desired) === loadKey(params);
  }

  classify(params: TextsParams, signal?: AbortSignal): Promise<ClassifyResult> {
    return this.withModel(ClassifyRequest, params, signal);
  }

  embed(params: TextsParams, signal?: AbortSignal): Promise<EmbedResult> {
    return this.withModel(EmbedRequest, params, signal);
  }

  similar(params: SimilarParams, signal?: AbortSignal): Promise<SimilarResult> {
    return this.withModel(SimilarRequest, params, signal);
  }

  /** Retrains the heads from the labels file; the model info (its tasks) is updated from the answer. */
  async retrainHeads(params: RetrainHeadsParams, signal?: AbortSignal): Promise<RetrainHeadsResult> {
    const result = await this.withModel(RetrainHeadsRequest, params, signal);
    if (this.gen && !this.gen.dead) {
      this.info = result.model;
      this.opts.onModel?.(result.model);
    }
    return result;
  }

  map(params: MapParams, signal?: AbortSignal): Promise<SentenceMapData> {
    return this.withModel(MapRequest, params, signal);
  }

  status(signal?: AbortSignal): Promise<StatusResult> {
    return this.call((gen) => this.send(gen, StatusRequest, undefined, signal), signal);
  }

  /** Ends the current process (if any), forgets past crashes, starts afresh and reloads. */
  async restart(): Promise<void> {
    this.crashes = [];
    await this.stop();
    if (this.desired) await this.load(this.desired);
    else await this.connect();
  }

  /** Ends the server process: asks it to shut down, then kills it if it does not go. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  private withModel<P, R>(type: RequestType<P, R, ErrorData>, params: P, signal?: AbortSignal): Promise<R> {
    return this.call(async (gen) => {
      const want = this.desired;
      if (!want) throw new ClientError('NO_MODEL', 'no model selected');
      await this.loadOn(gen, want, signal);
      return this.send(gen, type, params, signal);
    }, signal);
  }

  /** Runs `fn` on a live server; if the server dies under it, once more on a fresh one. */
  private async call<R>(fn: (gen: Generation) => Promise<R>, signal?: AbortSignal): Promise<R> {
    let resent = false;
    for (;;) {
      if (signal?.aborted) throw new ClientError('CANCELLED', 'cancelled');
      const gen = await this.connect();
      try {
        return await fn(gen);
      } catch (e) {
        if (e instanceof ClientError && e.code === 'SERVER_DIED' && !resent && !this.disposed && !signal?.aborted) {
          resent = true;
          this.opts.log(`re-sending the request after the model server died (${e.message})`);
          continue;
        }
        throw e;
      }
    }
  }

  private loadOn(gen: Generation, params: LoadModelParams, signal?: AbortSignal): Promise<ModelInfo> {
    const k = loadKey(params);
    if (gen.loadedKey === k && gen.loadedInfo) {
      // Back to a model this process already holds (say after a failed load of another one).
      if (this.isDesired(params) && (this.info !== gen.loadedInfo || this.lastState !== 'ready')) this.loaded(gen.loadedInfo);
      return Promise.resolve(gen.loadedInfo);
    }
    const existing = gen.loads.get(k);
    if (existing) return raceAbort(existing.promise, signal);
    // Shared by every request waiting for this model; cancelled when the caller that started it
    // cancels (an explicit load, whose progress the user can cancel) or another model is chosen.
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
    this.state('loading', params.model);
    const promise = this.send(gen, LoadModelRequest, params, abort.signal).then(
      (info) => {
        gen.loadedKey = k;
        gen.loadedInfo = info;
        if (this.gen === gen && this.isDesired(params)) this.loaded(info);
        return info;
      },
      (e: unknown) => {
        // A load that lost to a newer choice, or a dead server, leaves the state to them.
        const dead = e instanceof ClientError && e.code === 'SERVER_DIED';
        if (this.gen === gen && !dead && this.isDesired(params)) {
          const cancelled = e instanceof ClientError && e.code === 'CANCELLED';
          if (cancelled) this.state(this.info ? 'ready' : 'stopped');
          else this.state('error', e instanceof Error ? e.message : String(e));
        }
        throw abort.signal.aborted && !signal?.aborted ? new ClientError('CANCELLED', `the load of ${params.model} was cancelled: another model was chosen`) : e;
      },
    );
    const mine: PendingLoad = { promise, abort };
    gen.loads.set(k, mine);
    void promise.catch(() => undefined).finally(() => {
      if (gen.loads.get(k) === mine) gen.loads.delete(k);
    });
    return promise;
  }

  private async send<R>(gen: Generation, type: RequestType<any, R, ErrorData> | RequestType0<R, ErrorData>, params: unknown, signal?: AbortSignal): Promise<R> {
    if (gen.dead) throw new ClientError('SERVER_DIED', 'the model server is not running');
    const cts = new CancellationTokenSource();
    const onAbort = (): void => cts.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const request =
        params === undefined
          ? gen.connection.sendRequest(type as RequestType0<R, ErrorData>, cts.token)
          : gen.connection.sendRequest(type as RequestType<unknown, R, ErrorData>, params, cts.token);
      return await raceAbort(Promise.race([request, gen.died]), signal);
    } catch (e) {
      throw toClientError(e, gen);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  private connect(): Promise<Generation> {
    if (this.disposed) return Promise.reject(new ClientError('SERVER_DIED', 'Sentence Lens is shutting down'));
    if (this.gen && !this.gen.dead) return Promise.resolve(this.gen);
    this.starting ??= (async () => {
      try {
        await this.backOff();
        return this.spawn();
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  private async backOff(): Promise<void> {
    const now = Date.now();
    const window = this.opts.crashWindowMs ?? 180_000;
    this.crashes = this.crashes.filter((t) => now - t < window);
    const n = this.crashes.length;
    if (n === 0) return;
    const max = this.opts.maxCrashes ?? 5;
    if (n >= max) {
      throw new ClientError(
        'GAVE_UP',
        `the model server crashed ${n} times in ${Math.round(window / 1000)} s, so it is not restarted automatically; see the log (Sentence Lens: Show Log), then run Sentence Lens: Restart Model Server`,
      );
    }
    const delay = this.delays[Math.min(n - 1, this.delays.length - 1)]!;
    this.opts.log(`restarting the model server in ${delay} ms (crash ${n} of at most ${max})`);
    await new Promise((r) => setTimeout(r, delay));
    if (this.disposed) throw new ClientError('SERVER_DIED', 'Sentence Lens is shutting down');
  }

  private spawn(): Generation {
    this.state('starting');
    const child = fork(this.opts.serverPath, [], {
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Inside VS Code process.execPath is Electron; this makes it behave as plain Node.
      env: { ...(this.opts.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (l) => (isDebugLine(l) ? this.opts.log(l, 'debug') : this.opts.log(l)));
    }
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    let rejectDied!: (e: Error) => void;
    const died = new Promise<never>((_, reject) => (rejectDied = reject));
    died.catch(() => undefined);
    const gen: Generation = { child, connection, died, dead: false, intentional: false, loads: new Map() };
    const onGone = (why: string): void => {
      if (gen.dead) return;
      gen.dead = true;
      rejectDied(new ClientError('SERVER_DIED', `the model server ${why}`));
      connection.dispose();
      if (gen.intentional) return;
      this.crashes.push(Date.now());
      this.opts.log(`model server (pid ${child.pid}) ${why}`);
      if (this.gen === gen) {
        this.gen = undefined;
        this.state('crashed', why);
        // Bring the model back before the next command needs it (back-off applies).
        if (this.desired && !this.disposed) {
          const want = this.desired;
          void this.call((g) => this.loadOn(g, want)).catch((e) => {
            this.opts.log(`restart failed: ${e instanceof Error ? e.message : String(e)}`);
            // Given up: no restart is coming, so "restarting" would be untrue.
            if (e instanceof ClientError && e.code === 'GAVE_UP') this.opts.onState?.('error', e.message);
          });
        }
      }
    };
    child.on('exit', (code, signal) => onGone(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    child.on('error', (e) => onGone(`could not run: ${e.message}`));
    connection.onNotification(ProgressNotification, (p) => this.opts.onProgress?.(p));
    connection.onError(([e]) => this.opts.log(`connection error: ${e.message}`));
    connection.listen();
    this.gen = gen;
    this.opts.log(`model server started (pid ${child.pid})`);
    return gen;
  }

  private async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const gen = this.gen;
    this.gen = undefined;
    this.info = undefined;
    if (!gen || gen.dead) return;
    gen.intentional = true;
    const exited = new Promise<void>((r) => (gen.child.exitCode !== null || gen.child.signalCode !== null ? r() : gen.child.once('exit', () => r())));
    const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
    // Ask nicely (releases the ONNX session), then close the channel, then kill.
    await Promise.race([gen.connection.sendRequest(ShutdownRequest).catch(() => undefined), timeout(1500)]);
    if ((await Promise.race([exited.then(() => 'exited' as const), timeout(1500)])) === 'timeout') {
      if (gen.child.connected) gen.child.disconnect();
      if ((await Promise.race([exited.then(() => 'exited' as const), timeout(1000)])) === 'timeout') {
        gen.child.kill('SIGKILL');
        await exited;
      }
    }
    this.opts.log(`model server (pid ${gen.child.pid}) stopped`);
    this.state('stopped');
  }
}

function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new ClientError('CANCELLED', 'cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ClientError('CANCELLED', 'cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function toClientError(e: unknown, gen: Generation): ClientError {
  if (e instanceof ClientError) return e;
  if (e instanceof ResponseError) {
    if (e.code === REQUEST_CANCELLED) return new ClientError('CANCELLED', 'cancelled');
    const data = e.data as ErrorData | undefined;
    return new ClientError(data?.code ?? 'INTERNAL', e.message);
  }
  // vscode-jsonrpc rejects pending requests when the connection is disposed.
  if (gen.dead) return new ClientError('SERVER_DIED', 'the model server stopped while answering');
  return new ClientError('INTERNAL', e instanceof Error ? e.message : String(e));
}
