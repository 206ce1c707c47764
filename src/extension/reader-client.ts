/**
 * The extension's side of the prose worker (src/text/reader-worker.ts), free of `vscode` so tests
 * can drive it: starts the worker on the first read, speaks vscode-jsonrpc over its port, and
 *   - supersedes: a newer read of the same document (another version, language or options) makes
 *     the pending one fail with SUPERSEDED and cancels it in the worker; only the newest answer
 *     for a document is ever returned; the same read asked twice is read once;
 *   - cancels: a caller's AbortSignal fails its wait; the worker stops when nobody waits any more;
 *   - restarts: when the worker dies, the next read starts a new one, and a read that was in
 *     flight is sent once more, so the caller still gets its answer. A worker that keeps dying
 *     (MAX_DEATHS in DEATH_WINDOW_MS) is not restarted until the window has passed.
 * The last answer per document is kept (a few documents), so the commands that read an
 * unchanged document again (Find Similar, the map after Annotate) get it at once.
 */
import { Worker } from 'node:worker_threads';
import { CancellationTokenSource, type MessageConnection, PortMessageReader, PortMessageWriter, type RequestType, ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import type { ProseOptions } from '../text/prose/languages.js';
import { READ_CANCELLED, type ReadParams, ReadSelectionsRequest, ReadSentencesRequest } from '../text/reader-protocol.js';
import type { SentenceRange, Span } from '../text/sentence-range.js';

export type ReaderErrorCode = 'SUPERSEDED' | 'CANCELLED' | 'READER_DIED' | 'GAVE_UP' | 'INTERNAL';

export class ReaderError extends Error {
  constructor(
    readonly code: ReaderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ReaderError';
  }
}

/** A read of one version of one document. */
export interface DocumentRead {
  /** Names the document (its URI): reads of one key supersede each other. */
  readonly key: string;
  /** The document's version: a read of another version supersedes this one. */
  readonly version: number;
  readonly text: string;
  readonly languageId: string;
  readonly options: ProseOptions;
  readonly locale?: string;
}

export interface ReaderClientOptions {
  /** dist/prose-worker.js */
  readonly workerPath: string;
  readonly log: (line: string) => void;
}

const MAX_DEATHS = 5;
const DEATH_WINDOW_MS = 60_000;
/** Documents whose last answer is kept. */
const ANSWERS_KEPT = 8;

interface Generation {
  readonly worker: Worker;
  readonly connection: MessageConnection;
  /** Rejects when the worker is gone. */
  readonly died: Promise<never>;
  dead: boolean;
  /** Why it is gone. */
  reason?: ReaderError;
}

/** One read in flight, shared by every caller asking the same thing. */
interface Job<R> {
  readonly fingerprint: string;
  readonly promise: Promise<R>;
  readonly fail: (e: ReaderError) => void;
  readonly cts: CancellationTokenSource;
  waiters: number;
}

export class ReaderClient {
  private gen: Generation | undefined;
  private readonly jobs = new Map<string, Job<unknown>>();
  private readonly answers = new Map<string, { fingerprint: string; text: string; sentences: readonly SentenceRange[] }>();
  private deaths: number[] = [];
  private disposed = false;

  constructor(private readonly opts: ReaderClientOptions) {}

  /** The worker now running (for tests and diagnostics). */
  get worker(): Worker | undefined {
    return this.gen && !this.gen.dead ? this.gen.worker : undefined;
  }

  /** Every sentence of the document's prose, in document order. */
  sentences(read: DocumentRead, signal?: AbortSignal): Promise<readonly SentenceRange[]> {
    const fingerprint = fingerprintOf(read);
    const known = this.answers.get(read.key);
    if (known?.fingerprint === fingerprint && known.text === read.text) {
      // Most recently used last: the map's order is what is evicted first.
      this.answers.delete(read.key);
      this.answers.set(read.key, known);
      return Promise.resolve(known.sentences);
    }
    return this.run(`sentences ${read.key}`, fingerprint, ReadSentencesRequest, paramsOf(read), signal, (sentences) => {
      this.answers.delete(read.key);
      this.answers.set(read.key, { fingerprint, text: read.text, sentences });
      if (this.answers.size > ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value!);
    });
  }

  /** The sentences each selection means (the sentence at a cursor), one list per selection. */
  selections(read: DocumentRead, selections: readonly Span[], signal?: AbortSignal): Promise<SentenceRange[][]> {
    const fingerprint = JSON.stringify([fingerprintOf(read), selections.map((s) => [s.start, s.end])]);
    return this.run(`selections ${read.key}`, fingerprint, ReadSelectionsRequest, { ...paramsOf(read), selections }, signal);
  }

  /** Drops what is kept of a document (it was closed). */
  forget(key: string): void {
    this.answers.delete(key);
  }

  /** Fails every pending read and ends the worker. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const job of this.jobs.values()) job.fail(new ReaderError('CANCELLED', 'Sentence Lens is shutting down'));
    this.jobs.clear();
    this.answers.clear();
    const gen = this.gen;
    this.gen = undefined;
    if (gen && !gen.dead) {
      gen.dead = true;
      gen.connection.dispose();
      await gen.worker.terminate();
    }
  }

  /** Joins the job for `slot` if it asks the same, else supersedes it with a new one. */
  private run<P, R>(slot: string, fingerprint: string, type: RequestType<P, R, void>, params: P, signal: AbortSignal | undefined, onAnswer?: (r: R) => void): Promise<R> {
    if (this.disposed) return Promise.reject(new ReaderError('CANCELLED', 'Sentence Lens is shutting down'));
    let job = this.jobs.get(slot) as Job<R> | undefined;
    if (job && job.fingerprint !== fingerprint) {
      job.fail(new ReaderError('SUPERSEDED', 'a newer read of the document was asked for'));
      job = undefined;
    }
    if (!job) {
      job = this.start(fingerprint, (token) => this.send(type, params, token), onAnswer);
      const mine = job;
      this.jobs.set(slot, mine);
      void mine.promise.catch(() => undefined).finally(() => this.jobs.get(slot) === mine && this.jobs.delete(slot));
    }
    return this.wait(slot, job, signal);
  }

  private start<R>(fingerprint: string, request: (token: CancellationTokenSource) => Promise<R>, onAnswer?: (r: R) => void): Job<R> {
    const cts = new CancellationTokenSource();
    let settled = false;
    let resolve!: (r: R) => void;
    let reject!: (e: ReaderError) => void;
    const promise = new Promise<R>((res, rej) => ((resolve = res), (reject = rej)));
    void promise.catch(() => undefined);
    const fail = (e: ReaderError): void => {
      if (settled) return;
      settled = true;
      cts.cancel();
      reject(e);
    };
    request(cts).then(
      (r) => {
        if (settled) return; // superseded or cancelled meanwhile: the answer is not used
        settled = true;
        onAnswer?.(r);
        resolve(r);
      },
      (e: unknown) => fail(e instanceof ReaderError ? e : new ReaderError('INTERNAL', e instanceof Error ? e.message : String(e))),
    );
    return { fingerprint, promise, fail, cts, waiters: 0 };
  }

  /** One caller's wait for a job; when the last waiter gives up, the job is cancelled. */
  private wait<R>(slot: string, job: Job<R>, signal: AbortSignal | undefined): Promise<R> {
    if (signal?.aborted) return Promise.reject(new ReaderError('CANCELLED', 'cancelled'));
    job.waiters++;
    if (!signal) return job.promise;
    return new Promise<R>((resolve, reject) => {
      const onAbort = (): void => {
        reject(new ReaderError('CANCELLED', 'cancelled'));
        if (--job.waiters === 0) {
          job.fail(new ReaderError('CANCELLED', 'cancelled'));
          if (this.jobs.get(slot) === job) this.jobs.delete(slot);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      job.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Sends a request to a live worker; if the worker dies under it, once more to a new one. */
  private async send<P, R>(type: RequestType<P, R, void>, params: P, cts: CancellationTokenSource): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const gen = this.connect();
      try {
        // `as never`: RequestParam<P> cannot be resolved for a generic P.
        return await Promise.race([gen.connection.sendRequest(type, params as never, cts.token), gen.died]);
      } catch (e) {
        if (e instanceof ResponseError && e.code === READ_CANCELLED) throw new ReaderError('CANCELLED', 'cancelled');
        if (gen.dead && attempt === 1 && !cts.token.isCancellationRequested && !this.disposed) {
          this.opts.log('prose reader: reading again in a new worker after the previous one stopped');
          continue;
        }
        if (gen.dead) throw gen.reason ?? new ReaderError('READER_DIED', 'the prose reader stopped while reading the document');
        throw new ReaderError('INTERNAL', `the prose reader failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private connect(): Generation {
    if (this.disposed) throw new ReaderError('CANCELLED', 'Sentence Lens is shutting down');
    if (this.gen && !this.gen.dead) return this.gen;
    const now = Date.now();
    this.deaths = this.deaths.filter((t) => now - t < DEATH_WINDOW_MS);
    if (this.deaths.length >= MAX_DEATHS) {
      throw new ReaderError('GAVE_UP', `the prose reader stopped ${this.deaths.length} times in ${DEATH_WINDOW_MS / 1000} s, so it is not restarted for now; see the log (Sentence Lens: Show Log)`);
    }
    this.gen = this.spawn();
    return this.gen;
  }

  private spawn(): Generation {
    const worker = new Worker(this.opts.workerPath);
    const connection = createMessageConnection(new PortMessageReader(worker), new PortMessageWriter(worker));
    let rejectDied!: (e: ReaderError) => void;
    const died = new Promise<never>((_, reject) => (rejectDied = reject));
    died.catch(() => undefined);
    const gen: Generation = { worker, connection, died, dead: false };
    const onGone = (why: string): void => {
      if (gen.dead) return;
      gen.dead = true;
      gen.reason = new ReaderError('READER_DIED', `the prose reader ${why}`);
      connection.dispose();
      rejectDied(gen.reason);
      this.deaths.push(Date.now());
      this.opts.log(`prose reader (thread ${worker.threadId}) ${why}`);
      if (this.gen === gen) this.gen = undefined;
    };
    worker.on('error', (e) => onGone(`failed: ${e.message}`));
    worker.on('exit', (code) => onGone(`stopped (exit code ${code})`));
    connection.onError(([e]) => this.opts.log(`prose reader connection error: ${e.message}`));
    connection.listen();
    this.opts.log(`prose reader started (thread ${worker.threadId})`);
    return gen;
  }
}

function paramsOf(read: DocumentRead): ReadParams {
  return { text: read.text, languageId: read.languageId, options: read.options, locale: read.locale };
}

function fingerprintOf(read: DocumentRead): string {
  return JSON.stringify([read.version, read.languageId, read.options.headings ?? false, read.options.comments ?? false, read.locale ?? '']);
}
