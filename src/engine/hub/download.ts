/**
 * `downloadModel`: one download per (cache, endpoint, id, revision) in this process, whoever
 * asks. Each caller gets its own progress and cancellation; the transfer stops only when the
 * last one leaves.
 */
import { fetchSnapshot } from './fetch-snapshot.js';
import { cancelled, throwIfAborted } from './http.js';
import { hubSettings, validateModelId, validateRevision } from './settings.js';
import type { DownloadOptions, DownloadProgress, ModelLocation } from './types.js';

interface Inflight {
  promise: Promise<ModelLocation>;
  controller: AbortController;
  listeners: Set<(e: DownloadProgress) => void>;
  users: number;
}

const inflight = new Map<string, Inflight>();

export async function downloadModel(modelId: string, opts: DownloadOptions = {}): Promise<ModelLocation> {
  const settings = hubSettings(opts.env ?? process.env);
  const revision = opts.revision ?? 'main';
  validateModelId(modelId);
  validateRevision(revision);
  throwIfAborted(opts.signal);

  // The endpoint is part of the key so a test hub and the real one never answer for each other.
  const key = JSON.stringify([settings.cacheDir, settings.endpoint, modelId, revision]);
  let entry = inflight.get(key);
  while (entry?.controller.signal.aborted) {
    // Everyone left the previous run; let it release its files before starting over.
    await entry.promise.catch(() => undefined);
    entry = inflight.get(key);
  }
  throwIfAborted(opts.signal);
  if (!entry) {
    const controller = new AbortController();
    const listeners = new Set<(e: DownloadProgress) => void>();
    const created: Inflight = {
      controller,
      listeners,
      users: 0,
      promise: fetchSnapshot(modelId, revision, settings, controller.signal, (e) => {
        for (const l of listeners) {
          try {
            l(e);
          } catch {
            // A listener's bug must not break a download that others share.
          }
        }
      }).finally(() => {
        if (inflight.get(key) === created) inflight.delete(key);
      }),
    };
    created.promise.catch(() => undefined); // rejections are delivered to each caller below
    inflight.set(key, created);
    entry = created;
  }
  return attach(entry, opts);
}

function attach(entry: Inflight, opts: DownloadOptions): Promise<ModelLocation> {
  const { signal, onProgress } = opts;
  entry.users += 1;
  if (onProgress) entry.listeners.add(onProgress);
  return new Promise<ModelLocation>((resolvePromise, reject) => {
    let done = false;
    const leave = (): void => {
      if (done) return;
      done = true;
      entry.users -= 1;
      if (onProgress) entry.listeners.delete(onProgress);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      if (done) return;
      leave();
      // The transfer stops only when nobody is waiting for it any more.
      if (entry.users === 0) entry.controller.abort();
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    entry.promise.then(
      (v) => {
        if (done) return;
        leave();
        resolvePromise(v);
      },
      (e: unknown) => {
        if (done) return;
        leave();
        reject(e);
      },
    );
  });
}
