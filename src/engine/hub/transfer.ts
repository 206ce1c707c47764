/**
 * One blob's bytes into `blobs/<etag>`: written to `<etag>.incomplete`, resumed with Range after
 * a drop, sha256-checked for LFS files, and renamed into place only when whole, so a blob
 * that exists is always complete.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { SentenceLensError } from '../errors.js';
import { blobPath, isFile } from './cache-layout.js';
import { cancelled, describeNetworkError, get, type FileMeta } from './http.js';
import type { HubContext } from './types.js';

/** Mid-transfer drops retried with Range within one call (huggingface_hub retries 5 times). */
const TRANSFER_RETRIES = 2;
const RETRY_PAUSE_MS = 250;
const PROGRESS_INTERVAL_MS = 100;

/** Per blob path, so two revisions sharing a blob do not write one `.incomplete` together. */
const blobsInflight = new Map<string, Promise<void>>();

/** A drop after the transfer began: what arrived is kept and worth resuming. */
class TransferInterrupted extends SentenceLensError {
  constructor(message: string, cause?: unknown) {
    super('NETWORK', message, cause === undefined ? undefined : { cause });
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

async function pause(ctx: HubContext, ms: number): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: ctx.signal });
  } catch {
    throw cancelled();
  }
}

/** Ensures `blobs/<etag>` exists, downloading it unless it is already there. */
export async function fetchBlob(ctx: HubContext, file: string, meta: FileMeta): Promise<void> {
  const blob = blobPath(ctx, meta.etag);
  for (;;) {
    const pending = blobsInflight.get(blob);
    if (!pending) break;
    await pending.catch(() => undefined);
  }
  if (await isFile(blob)) return;
  const p = downloadBlob(ctx, file, meta, blob);
  blobsInflight.set(blob, p);
  try {
    await p;
  } finally {
    if (blobsInflight.get(blob) === p) blobsInflight.delete(blob);
  }
}

async function fileSize(p: string): Promise<number> {
  try {
    return (await lstat(p)).size;
  } catch {
    return 0;
  }
}

async function hashPrefix(path: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function downloadBlob(ctx: HubContext, file: string, meta: FileMeta, blob: string): Promise<void> {
  await mkdir(dirname(blob), { recursive: true });
  const incomplete = `${blob}.incomplete`;
  let retries = TRANSFER_RETRIES;
  for (;;) {
    try {
      await transferOnce(ctx, file, meta, incomplete);
      break;
    } catch (err) {
      // A drop mid-file is resumed from what arrived, within this call; the .incomplete file
      // stays when we give up, so the next call resumes too.
      if (err instanceof TransferInterrupted && retries > 0) {
        retries -= 1;
        await pause(ctx, RETRY_PAUSE_MS * (TRANSFER_RETRIES - retries));
        continue;
      }
      throw err;
    }
  }
  await rename(incomplete, blob);
}

async function transferOnce(ctx: HubContext, file: string, meta: FileMeta, incomplete: string): Promise<void> {
  let offset = await fileSize(incomplete);
  if (meta.size !== undefined && offset > meta.size) {
    await rm(incomplete, { force: true });
    offset = 0;
  }
  let res: Response | undefined;
  if (meta.size === undefined || offset < meta.size) {
    res = await get(ctx, meta.downloadUrl, offset > 0 ? { Range: `bytes=${offset}-` } : {});
    if (res.status === 416) {
      // Our partial file is at least as long as what the server has, so it is not a prefix of
      // this file (left by another version, say): start over.
      await res.body?.cancel().catch(() => undefined);
      await rm(incomplete, { force: true });
      offset = 0;
      res = await get(ctx, meta.downloadUrl, {});
    } else if (offset > 0) {
      const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      if (res.status !== 206 || !m || Number(m[1]) !== offset) offset = 0; // the server ignored Range
    }
  }

  const hash = meta.lfs ? createHash('sha256') : undefined;
  if (hash && offset > 0) await hashPrefix(incomplete, hash);
  const contentLength = Number(res?.headers.get('content-length') ?? NaN);
  const total = meta.size ?? (Number.isFinite(contentLength) ? offset + contentLength : 0);
  let done = offset;
  let last = 0;
  const report = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    ctx.progress({ file, bytesDone: done, bytesTotal: total });
  };
  report(true);

  if (res) {
    const fh = await open(incomplete, offset > 0 ? 'a' : 'w');
    try {
      if (!res.body) throw new SentenceLensError('NETWORK', `empty response for ${file}`);
      for await (const chunk of res.body) {
        const buf = chunk as Uint8Array;
        await fh.write(buf);
        hash?.update(buf);
        done += buf.length;
        report(false);
      }
    } catch (err) {
      if (err instanceof SentenceLensError) throw err;
      if (ctx.signal.aborted || isAbort(err)) throw cancelled();
      throw new TransferInterrupted(`download of ${file} interrupted at ${done} of ${total} bytes: ${describeNetworkError(err)}`, err);
    } finally {
      await fh.close();
    }
  }
  if (meta.size !== undefined && done !== meta.size) {
    if (done < meta.size) {
      throw new TransferInterrupted(`download of ${file} interrupted at ${done} of ${meta.size} bytes`);
    }
    await rm(incomplete, { force: true });
    throw new SentenceLensError('CHECKSUM', `${file} of ${ctx.modelId}: got ${done} bytes, the hub says ${meta.size}; the partial file was deleted, try again`);
  }
  if (hash) {
    const actual = hash.digest('hex');
    if (actual !== meta.etag) {
      await rm(incomplete, { force: true });
      throw new SentenceLensError(
        'CHECKSUM',
        `${file} of ${ctx.modelId} is corrupt: its sha256 is ${actual} but the hub says ${meta.etag}; the file was deleted, try again (a proxy may be altering downloads)`,
      );
    }
  }
  report(true);
}
