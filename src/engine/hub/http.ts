/**
 * The requests huggingface_hub makes, on Node's `fetch`: HEAD /resolve without following
 * absolute redirects, to read X-Repo-Commit / ETag / X-Linked-Etag / X-Linked-Size / Location,
 * then GET the file. Redirects are followed by hand so the token never leaves the hub's origin.
 */
import { SentenceLensError } from '../errors.js';
import { COMMIT_RE } from './cache-layout.js';
import type { HubContext } from './types.js';

export interface FileMeta {
  commit: string;
  /** Blob name: sha256 for LFS files, the git object id otherwise. */
  etag: string;
  lfs: boolean;
  size: number | undefined;
  /**
   * Where to GET: the resolve URL at the commit. Not the HEAD's Location: a CDN link is signed
   * and may expire while earlier files download; asking the hub again gets a fresh one.
   */
  downloadUrl: string;
}

export type HeadResult = { kind: 'ok'; meta: FileMeta } | { kind: 'missing'; commit: string | undefined };

const SHA256_RE = /^[0-9a-f]{64}$/;
/** huggingface_hub's etag_timeout: a HEAD that takes longer than this counts as offline. */
const HEAD_TIMEOUT_MS = 10_000;
const USER_AGENT = 'sentence-lens/0.1 (huggingface_hub-compatible)';

export function cancelled(): SentenceLensError {
  return new SentenceLensError('CANCELLED', 'model download cancelled');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

export function resolveUrl(ctx: HubContext, revision: string, file: string): string {
  return `${ctx.settings.endpoint}/${ctx.modelId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function headersFor(ctx: HubContext, url: string, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { 'User-Agent': USER_AGENT, 'Accept-Encoding': 'identity', ...extra };
  // Credentials go to the hub only, never to a CDN or storage host we are redirected to.
  if (ctx.settings.token && sameOrigin(url, ctx.settings.endpoint)) h.Authorization = `Bearer ${ctx.settings.token}`;
  return h;
}

function normalizeEtag(v: string | null): string | undefined {
  if (!v) return undefined;
  return v.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}

export function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error) return `${err.message} (${(cause as { code?: string }).code ?? cause.message})`;
    return err.message;
  }
  return String(err);
}

/**
 * The hub's refusals, told apart by X-Error-Code as huggingface_hub does: to an anonymous
 * client a repository that does not exist answers 401 RepoNotFound (the hub will not say
 * whether a private one exists), a gated one 401 GatedRepo.
 */
function httpError(ctx: HubContext, res: Response, url: string): SentenceLensError {
  const code = res.headers.get('x-error-code');
  const { modelId, settings, revision } = ctx;
  if (code === 'RevisionNotFound') {
    return new SentenceLensError('NOT_FOUND', `revision "${revision}" of model ${modelId} not found on ${settings.endpoint}; check the revision`);
  }
  if (code === 'EntryNotFound') {
    return new SentenceLensError('NOT_FOUND', `${url} not found (HTTP ${res.status}): the file is not in ${modelId} at revision ${revision}`);
  }
  if (code === 'RepoNotFound' || res.status === 404) {
    return new SentenceLensError(
      'NOT_FOUND',
      settings.token
        ? `model ${modelId} not found on ${settings.endpoint} (or HF_TOKEN has no access to it); check the id`
        : `model ${modelId} not found on ${settings.endpoint} (or private: set HF_TOKEN); check the id`,
    );
  }
  if (code === 'GatedRepo') {
    const page = `${settings.endpoint}/${modelId}`;
    return new SentenceLensError(
      'UNAUTHORIZED',
      settings.token
        ? `${modelId} is gated: accept its terms on ${page} with the account of HF_TOKEN (HTTP ${res.status})`
        : `${modelId} is gated: accept its terms on ${page} and set HF_TOKEN to an access token of that account (HTTP ${res.status})`,
    );
  }
  if (res.status === 401) {
    return new SentenceLensError(
      'UNAUTHORIZED',
      settings.token
        ? `${settings.endpoint} rejected the token for ${modelId} (HTTP 401); check HF_TOKEN`
        : `${modelId} on ${settings.endpoint} needs authentication (HTTP 401): set HF_TOKEN to an access token`,
    );
  }
  if (res.status === 403) {
    return new SentenceLensError(
      'UNAUTHORIZED',
      `access to ${modelId} on ${settings.endpoint} denied (HTTP 403): HF_TOKEN needs read access to it`,
    );
  }
  return new SentenceLensError('NETWORK', `${settings.endpoint} answered HTTP ${res.status} for ${url}`);
}

/** fetch that turns transport failures into NETWORK and aborts into CANCELLED. */
async function request(ctx: HubContext, url: string, init: RequestInit, timeoutMs?: number): Promise<Response> {
  throwIfAborted(ctx.signal);
  const signal = timeoutMs ? AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]) : ctx.signal;
  try {
    return await fetch(url, { ...init, signal });
  } catch (err) {
    if (ctx.signal.aborted) throw cancelled();
    if (err instanceof Error && err.name === 'TimeoutError') {
      throw new SentenceLensError('NETWORK', `${new URL(url).host} did not answer within ${timeoutMs} ms`, { cause: err });
    }
    throw new SentenceLensError('NETWORK', `cannot reach ${new URL(url).host}: ${describeNetworkError(err)}`, { cause: err });
  }
}

export async function head(ctx: HubContext, revision: string, file: string): Promise<HeadResult> {
  let url = resolveUrl(ctx, revision, file);
  for (let hops = 0; ; hops++) {
    const res = await request(ctx, url, { method: 'HEAD', redirect: 'manual', headers: headersFor(ctx, url) }, HEAD_TIMEOUT_MS);
    const location = res.headers.get('location');
    // Relative redirects are the hub's own (a renamed repo) and are followed, as huggingface_hub
    // does; absolute ones point at the CDN, and the headers we need are on this response.
    if (res.status >= 300 && res.status < 400 && location && !/^[a-z][a-z0-9+.-]*:/i.test(location) && hops < 5) {
      url = new URL(location, url).toString();
      continue;
    }
    const commit = res.headers.get('x-repo-commit') ?? undefined;
    if (res.status === 404 && res.headers.get('x-error-code') === 'EntryNotFound') return { kind: 'missing', commit };
    if (!(res.ok || (res.status >= 300 && res.status < 400))) throw httpError(ctx, res, url);
    if (!commit || !COMMIT_RE.test(commit)) {
      throw new SentenceLensError(
        'NETWORK',
        `${url} did not answer like a Hugging Face hub (no X-Repo-Commit header); check HF_ENDPOINT and any proxy`,
      );
    }
    const linked = normalizeEtag(res.headers.get('x-linked-etag'));
    const etag = linked ?? normalizeEtag(res.headers.get('etag'));
    if (!etag || !/^[\w.-]+$/.test(etag) || etag.includes('..')) {
      throw new SentenceLensError('NETWORK', `${url} sent no usable ETag; check HF_ENDPOINT and any proxy`);
    }
    const sizeHeader = res.headers.get('x-linked-size') ?? (res.ok ? res.headers.get('content-length') : null);
    const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
    return {
      kind: 'ok',
      meta: {
        commit,
        etag,
        lfs: linked !== undefined && SHA256_RE.test(linked),
        size,
        downloadUrl: url,
      },
    };
  }
}

/** GET with redirects followed by hand, so Authorization is sent only to the hub's origin. */
export async function get(ctx: HubContext, startUrl: string, extra: Record<string, string>): Promise<Response> {
  let url = startUrl;
  for (let hops = 0; hops <= 10; hops++) {
    const res = await request(ctx, url, { method: 'GET', redirect: 'manual', headers: headersFor(ctx, url, extra) });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel().catch(() => undefined);
      url = new URL(location, url).toString();
      continue;
    }
    if (!res.ok && res.status !== 416) {
      await res.body?.cancel().catch(() => undefined);
      throw httpError(ctx, res, url);
    }
    return res;
  }
  throw new SentenceLensError('NETWORK', `too many redirects fetching ${startUrl}`);
}
