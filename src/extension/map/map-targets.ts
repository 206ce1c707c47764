/**
 * Where a map's points are in the editor, free of `vscode` so it can be tested: the sentence a
 * document offset falls in, and whether a file the map names lies inside the workspace.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { SentenceRange } from '../../text/sentence-range.js';

/**
 * The sentence (point) holding `offset`, by binary search over ranges sorted by start; a cursor
 * just past a sentence's last character still counts as in it. Undefined between sentences.
 */
export function pointAt(ranges: readonly SentenceRange[], offset: number): number | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (offset < r.start) hi = mid - 1;
    else if (offset > r.end) lo = mid + 1;
    else return mid;
  }
  return undefined;
}

/** True when `path` is one of the folders or inside one (no `..` escape, same drive). */
export function insideFolders(path: string, folders: readonly string[]): boolean {
  const target = resolve(path);
  return folders.some((f) => {
    const rel = relative(resolve(f), target);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

export function isCsvPath(path: string): boolean {
  return /\.csv$/i.test(path);
}
