/**
 * The HF_* environment, read the way huggingface_hub reads it, and the names it derives from a
 * model id, so Python and this extension agree on where a model lives.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

import { SentenceLensError } from '../errors.js';

export interface HubSettings {
  endpoint: string;
  /** The `hub` folder itself (the one holding `models--…`). */
  cacheDir: string;
  offline: boolean;
  token: string | undefined;
}

const DEFAULT_ENDPOINT = 'https://huggingface.co';
// The same shape huggingface_hub's validate_repo_id accepts.
const REPO_ID_RE = /^(?:[\w\-.]+\/)?[\w\-.]{1,96}$/;

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? join(homedir(), p.slice(1)) : p;
}

function hfHome(env: NodeJS.ProcessEnv): string {
  return expandHome(env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface'));
}

/** The `hub` cache folder (the one holding `models--…`), as huggingface_hub finds it. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(expandHome(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(env), 'hub')));
}

/** Resolves the HF_* environment the way huggingface_hub does, including its legacy names. */
export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const cacheDir = hubCacheDir(env);
  const endpoint = (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  if (!token) {
    // `huggingface-cli login` stores the token here; reading it lets a Python login serve us too.
    const tokenPath = expandHome(env.HF_TOKEN_PATH ?? join(hfHome(env), 'token'));
    try {
      // Sync on purpose: a few bytes, read once per download.
      token = readFileSync(tokenPath, 'utf8').trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  return { endpoint, cacheDir, offline: truthy(env.HF_HUB_OFFLINE), token };
}

/** `models--org--name`, the folder name huggingface_hub uses. */
export function repoFolderName(modelId: string): string {
  return ['models', ...modelId.split('/')].join('--');
}

export function modelCacheDir(modelId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(hubSettings(env).cacheDir, repoFolderName(modelId));
}

export function validateModelId(modelId: string): void {
  // `--` and `..` would make the folder name ambiguous or climb out of the cache.
  if (!REPO_ID_RE.test(modelId) || modelId.includes('--') || modelId.includes('..')) {
    throw new SentenceLensError(
      'BAD_ARGUMENT',
      `"${modelId}" is not a Hugging Face model id (expected "org/name", e.g. "sentence-transformers/all-MiniLM-L6-v2") nor an existing folder`,
    );
  }
}

export function validateRevision(revision: string): void {
  // The revision becomes a path under refs/, so it must not climb out of it.
  const parts = revision.split('/');
  if (!revision || isAbsolute(revision) || revision.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new SentenceLensError('BAD_ARGUMENT', `"${revision}" is not a valid revision (a branch, tag or commit sha)`);
  }
}
