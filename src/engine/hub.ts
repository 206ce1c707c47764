/**
 * Model download from the Hugging Face hub into the standard cache layout (see
 * hub/cache-layout.ts), so Python `huggingface_hub`/`transformers` and this extension share
 * the same files. The work is split under hub/; this facade keeps one import path for callers.
 *
 * Why not `@huggingface/hub` (2.17.5, in node_modules): its `downloadFileToCacheDir` asks the
 * `paths-info` API instead of HEAD /resolve, buffers each file as a Blob, and has no progress,
 * no Range resume from `.incomplete`, no sha256 check, no offline fallback, no AbortSignal, and
 * reads its settings from `process.env` only. What it would save us (folder naming, a symlink
 * helper) is a few lines, so the requests in hub/http.ts are written directly on Node's `fetch`,
 * and they are the ones `huggingface_hub` makes: HEAD without following absolute redirects to
 * read X-Repo-Commit / ETag / X-Linked-Etag / X-Linked-Size / Location, then GET the file.
 */
export { REQUIRED_FILES, SENTENCE_TRANSFORMERS_FILES } from './hub/cache-layout.js';
export { downloadModel } from './hub/download.js';
export { isLocalModelPath, resolveModel } from './hub/resolve.js';
export { hubSettings, modelCacheDir, repoFolderName, type HubSettings } from './hub/settings.js';
export type { DownloadOptions, DownloadProgress, ModelLocation } from './hub/types.js';
