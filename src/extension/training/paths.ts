/**
 * Paths the training panel's page names are never trusted: a file must lie inside one of the
 * workspace folders (or be one the extension itself handed the page, such as a folder chosen in
 * an Open dialog). Free of `vscode` so tests can check the rules.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { DEFAULTS } from '../settings.js';

/** True when `path` is `folder` or inside it (no `..` escape, same drive). */
export function isInside(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The absolute path for `path` (absolute, or relative to the first folder) when it lies in a
 * workspace folder or is one of `approved`; undefined otherwise.
 */
export function confine(path: string, folders: readonly string[], approved: ReadonlySet<string> = new Set()): string | undefined {
  if (folders.length === 0 && !isAbsolute(path)) return undefined;
  const abs = isAbsolute(path) ? resolve(path) : resolve(folders[0]!, path);
  if (approved.has(abs)) return abs;
  return folders.some((f) => isInside(abs, f)) ? abs : undefined;
}

/** How a workspace file is shown: relative to its folder when inside one. */
export function displayPath(path: string, folders: readonly string[]): string {
  for (const f of folders) if (isInside(path, f)) return relative(f, path).split('\\').join('/') || '.';
  return path;
}

/**
 * The runs folder from the setting: relative to the first workspace folder unless absolute.
 * `${workspaceFolder}` is allowed as in the model setting.
 */
export function runsFolderPath(setting: string, firstFolder: string): string {
  const v = setting.replace(/\$\{workspaceFolder\}/g, firstFolder).trim() || DEFAULT_RUNS_FOLDER;
  return isAbsolute(v) ? resolve(v) : resolve(firstFolder, v);
}

export const DEFAULT_RUNS_FOLDER = DEFAULTS.runsFolder;

/**
 * The activeCheckpoint value for a checkpoint: `${workspaceFolder}/…` when it lies in the first
 * workspace folder (so the setting still holds when the folder moves), else the absolute path.
 */
export function checkpointSetting(dir: string, firstFolder: string | undefined): string {
  if (firstFolder && isInside(dir, firstFolder)) return `\${workspaceFolder}/${relative(firstFolder, dir).split('\\').join('/')}`;
  return dir;
}
