/** Shapes shared by the hub modules; the first three are public through `../hub.ts`. */
import type { HubSettings } from './settings.js';

export interface DownloadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface DownloadOptions {
  /** Branch, tag or commit sha. Default `main`. */
  revision?: string;
  onProgress?: (e: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Where HF_* settings are read from; defaults to `process.env` (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export interface ModelLocation {
  /** A folder holding config.json, the tokenizer files and model.safetensors. */
  dir: string;
  modelId: string;
  /** '' for a local folder. */
  revision: string;
  /** '' for a local folder. */
  commit: string;
  /** Files present in `dir`, relative, with `/` separators. */
  files: string[];
}

/** One download run, shared by every caller waiting on it. */
export interface HubContext {
  modelId: string;
  revision: string;
  settings: HubSettings;
  signal: AbortSignal;
  progress: (e: DownloadProgress) => void;
  /** `<cacheDir>/models--org--name`. */
  repoDir: string;
}
