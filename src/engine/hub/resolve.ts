/** Whether a model setting names a folder or a hub id, and a `ModelLocation` for either. */
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

import { SentenceLensError } from '../errors.js';
import { presentFiles } from './cache-layout.js';
import { downloadModel } from './download.js';
import { expandHome } from './settings.js';
import type { DownloadOptions, ModelLocation } from './types.js';

/**
 * True when `s` names a folder rather than a hub id: it exists as a directory, or it cannot be
 * an id (absolute, `./`, `../`, `~`, a backslash, more than one `/`).
 */
export function isLocalModelPath(s: string): boolean {
  if (!s) return false;
  if (looksLikePath(s)) return true;
  try {
    return statSync(s).isDirectory();
  } catch {
    return false;
  }
}

function looksLikePath(s: string): boolean {
  return (
    isAbsolute(s) ||
    s.startsWith('.') ||
    s.startsWith('~') ||
    s.includes('\\') ||
    s.split('/').length > 2 ||
    /^[A-Za-z]:/.test(s)
  );
}

/**
 * A local folder as-is (commit ''), otherwise a hub id downloaded into (or loaded from) the cache.
 */
export async function resolveModel(idOrPath: string, opts: DownloadOptions = {}): Promise<ModelLocation> {
  if (isLocalModelPath(idOrPath)) {
    const dir = resolve(expandHome(idOrPath));
    let st;
    try {
      st = await stat(dir);
    } catch {
      throw new SentenceLensError('MISSING_FILE', `model folder ${dir} does not exist`);
    }
    if (!st.isDirectory()) {
      throw new SentenceLensError('MISSING_FILE', `${dir} is not a folder (a model is a folder with config.json, tokenizer files and model.safetensors)`);
    }
    return { dir, modelId: idOrPath, revision: '', commit: '', files: await presentFiles(dir) };
  }
  return downloadModel(idOrPath, opts);
}
