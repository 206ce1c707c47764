/**
 * A local stand-in for the Hugging Face hub, for tests. It answers `/{id}/resolve/{rev}/{file}`
 * with the headers the real hub sends (X-Repo-Commit, ETag, and for LFS files a 302 with
 * X-Linked-Etag / X-Linked-Size and an absolute Location), and serves LFS content from
 * `/lfs/<sha256>` with Range support, so the client under test speaks the same protocol it
 * speaks to huggingface.co. Nothing here reaches the network beyond 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

export interface LocalModel {
  dir: string;
  /** 40 hex digits; defaults to a hash of the id so it is stable across runs. */
  commit?: string;
  /** Gated models answer 401 without `Authorization: Bearer <token>`, 403 with a wrong token. */
  gated?: boolean;
  /** Private models answer like a missing repository (401 RepoNotFound) unless the token is right. */
  private?: boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** Which listener answered: the hub itself or the separate "cdn" origin. */
  origin: 'hub' | 'cdn';
  range?: string;
  authorization?: string;
  status: number;
}

export interface LocalHubOptions {
  /** The token gated models accept. */
  token?: string;
  /**
   * Serve `/lfs/` from a second listener (another port, hence another origin), like the real
   * hub's CDN, so tests can check that credentials do not follow a redirect off the hub.
   */
  separateCdn?: boolean;
}

interface FileEntry {
  modelId: string;
  file: string;
  abs: string;
  lfs: boolean;
}

const LFS_THRESHOLD = 1024;

function isLfs(file: string, size: number): boolean {
  return size > LFS_THRESHOLD || file.endsWith('.safetensors') || file.endsWith('.bin');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What git calls the object id of a file, which is what the hub sends as ETag for non-LFS files. */
function gitBlobSha1(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, ent.name);
      if (ent.isDirectory()) walk(abs);
      else if (ent.isFile()) out.push(relative(dir, abs).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

export class LocalHub {
  readonly requests: LoggedRequest[] = [];
  private readonly cuts = new Map<string, { bytes: number; times: number }>();
  private readonly corrupted = new Set<string>();
  private readonly delays = new Map<string, number>();
  private hub: Server | undefined;
  private cdn: Server | undefined;
  private hubPort = 0;
  private cdnPort = 0;
  private readonly token: string;

  constructor(
    readonly models: Record<string, LocalModel>,
    private readonly options: LocalHubOptions = {},
  ) {
    this.token = options.token ?? 'hf_localtesttoken';
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.hubPort}`;
  }

  private get cdnEndpoint(): string {
    return `http://127.0.0.1:${this.cdn ? this.cdnPort : this.hubPort}`;
  }

  async start(): Promise<this> {
    this.hub = await this.listen('hub');
    this.hubPort = (this.hub.address() as AddressInfo).port;
    if (this.options.separateCdn) {
      this.cdn = await this.listen('cdn');
      this.cdnPort = (this.cdn.address() as AddressInfo).port;
    }
    return this;
  }

  async close(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      if (!s) continue;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    this.hub = this.cdn = undefined;
  }

  /** The next `times` GETs of `file` (in any model) send `bytes` bytes and then drop the connection. */
  cutAfterBytes(file: string, bytes: number, times = 1): void {
    this.cuts.set(file, { bytes, times });
  }

  /** Until `on` is false, `file` is served with bytes that do not match its sha256. */
  corrupt(file: string, on = true): void {
    if (on) this.corrupted.add(file);
    else this.corrupted.delete(file);
  }

  /** Sends `file`'s body slowly (a pause of `ms` between chunks), so a test can abort mid-transfer. */
  slow(file: string, ms: number): void {
    this.delays.set(file, ms);
  }

  clearLog(): void {
    this.requests.length = 0;
  }

  commitOf(modelId: string): string {
    const m = this.models[modelId];
    if (!m) throw new Error(`no model ${modelId}`);
    return m.commit ?? createHash('sha1').update(`commit:${modelId}`).digest('hex');
  }

  private listen(origin: 'hub' | 'cdn'): Promise<Server> {
    const server = createServer((req, res) => {
      this.handle(origin, req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
        else res.destroy();
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
  }

  private log(origin: 'hub' | 'cdn', req: IncomingMessage, status: number): void {
    const entry: LoggedRequest = {
      method: req.method ?? '',
      path: decodeURIComponent((req.url ?? '').split('?')[0]!),
      origin,
      status,
    };
    if (req.headers.range) entry.range = req.headers.range;
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    this.requests.push(entry);
  }

  private reply(
    origin: 'hub' | 'cdn',
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: Record<string, string | number> = {},
    body?: string,
  ): void {
    this.log(origin, req, status);
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private async handle(origin: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return this.reply(origin, req, res, 405);
    }
    if (path.startsWith('/lfs/')) return this.serveLfs(origin, req, res, path.slice('/lfs/'.length));
    if (origin === 'cdn') return this.reply(origin, req, res, 404);

    const at = path.indexOf('/resolve/');
    if (at < 0) return this.repoNotFound(origin, req, res);
    const modelId = path.slice(1, at);
    const rest = path.slice(at + '/resolve/'.length);
    const slash = rest.indexOf('/');
    const rev = slash < 0 ? rest : rest.slice(0, slash);
    const file = slash < 0 ? '' : rest.slice(slash + 1);

    const model = this.models[modelId];
    if (!model || (model.private && req.headers.authorization !== `Bearer ${this.token}`)) return this.repoNotFound(origin, req, res);
    if (model.gated) {
      const auth = req.headers.authorization;
      if (!auth) {
        return this.reply(origin, req, res, 401, { 'X-Error-Code': 'GatedRepo' }, 'Access to model is restricted');
      }
      if (auth !== `Bearer ${this.token}`) {
        return this.reply(origin, req, res, 403, { 'X-Error-Code': 'GatedRepo' }, 'Token has no access');
      }
    }
    const commit = this.commitOf(modelId);
    if (rev !== 'main' && rev !== commit) {
      return this.reply(origin, req, res, 404, { 'X-Error-Code': 'RevisionNotFound' }, 'Invalid rev id');
    }
    if (!file || file.split('/').includes('..') || !listFiles(model.dir).includes(file)) {
      return this.reply(
        origin,
        req,
        res,
        404,
        { 'X-Error-Code': 'EntryNotFound', 'X-Repo-Commit': commit },
        'Entry not found',
      );
    }
    const data = readFileSync(join(model.dir, file));
    if (isLfs(file, data.length)) {
      const sha = sha256(data);
      return this.reply(origin, req, res, 302, {
        Location: `${this.cdnEndpoint}/lfs/${sha}`,
        ETag: `"${sha}"`,
        'X-Linked-Etag': `"${sha}"`,
        'X-Linked-Size': data.length,
        'X-Repo-Commit': commit,
        'Content-Length': 0,
      });
    }
    return this.sendBody(origin, req, res, file, data, {
      ETag: `"${gitBlobSha1(data)}"`,
      'X-Repo-Commit': commit,
    });
  }

  /**
   * What huggingface.co answers for a repository it will not show: 401 to an anonymous
   * client (it does not say whether a private one exists), 404 to an authenticated one;
   * X-Error-Code RepoNotFound either way.
   */
  private repoNotFound(origin: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse): void {
    const status = req.headers.authorization ? 404 : 401;
    this.reply(origin, req, res, status, { 'X-Error-Code': 'RepoNotFound' }, status === 401 ? 'Invalid username or password.' : 'Repository not found');
  }

  private findLfs(sha: string): FileEntry | undefined {
    for (const [modelId, m] of Object.entries(this.models)) {
      for (const file of listFiles(m.dir)) {
        const abs = join(m.dir, file);
        const size = statSync(abs).size;
        if (!isLfs(file, size)) continue;
        if (sha256(readFileSync(abs)) === sha) return { modelId, file, abs, lfs: true };
      }
    }
    return undefined;
  }

  private serveLfs(origin: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse, sha: string): void {
    const entry = this.findLfs(sha);
    if (!entry) return this.reply(origin, req, res, 404);
    const data = readFileSync(entry.abs);
    this.sendBody(origin, req, res, entry.file, data, { ETag: `"${sha}"` });
  }

  private sendBody(
    origin: 'hub' | 'cdn',
    req: IncomingMessage,
    res: ServerResponse,
    file: string,
    original: Buffer,
    headers: Record<string, string>,
  ): void {
    let data = original;
    if (this.corrupted.has(file)) {
      data = Buffer.from(original);
      for (let i = 0; i < data.length; i += 97) data[i] = data[i]! ^ 0xff;
    }
    let start = 0;
    let status = 200;
    const out: Record<string, string | number> = { ...headers, 'Accept-Ranges': 'bytes' };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= data.length) {
        return this.reply(origin, req, res, 416, { 'Content-Range': `bytes */${data.length}` });
      }
      status = 206;
      out['Content-Range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    }
    const body = data.subarray(start);
    out['Content-Length'] = body.length;
    this.log(origin, req, status);
    res.writeHead(status, out);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }

    const cut = this.cuts.get(file);
    if (cut && cut.times > 0) {
      cut.times -= 1;
      if (cut.times === 0) this.cuts.delete(file);
      // Flush the first bytes, then drop the socket with the promised length unmet, which is
      // what a dropped Wi-Fi or a killed proxy looks like to the client.
      // The pause lets the client consume the bytes first: a client's HTTP stack may drop
      // buffered data when the socket errors, and tests want to know how much arrived.
      res.write(body.subarray(0, Math.min(cut.bytes, body.length)), () => {
        setTimeout(() => res.socket?.destroy(), 50);
      });
      return;
    }
    const delay = this.delays.get(file);
    if (delay) {
      void this.trickle(res, body, delay);
      return;
    }
    res.end(body);
  }

  private async trickle(res: ServerResponse, body: Buffer, ms: number): Promise<void> {
    const chunk = 4096;
    for (let i = 0; i < body.length; i += chunk) {
      if (res.destroyed) return;
      res.write(body.subarray(i, i + chunk));
      await new Promise((r) => setTimeout(r, ms));
    }
    res.end();
  }
}

/** Starts a hub on 127.0.0.1 with an ephemeral port. */
export function startLocalHub(models: Record<string, LocalModel>, options?: LocalHubOptions): Promise<LocalHub> {
  return new LocalHub(models, options).start();
}
