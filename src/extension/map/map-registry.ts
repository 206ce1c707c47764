/**
 * One sentence map per source, free of `vscode` so it can be tested: which open map shows a source,
 * and what its tab is called. A map that follows the active editor has "the current document" as
 * its source, whichever document it shows now, so the palette finds it again after it has moved;
 * a document map whose follow is off is pinned to its document; a CSV map is its CSV's.
 */
import { basename } from 'node:path';
import type { MapSource } from '../../webview/schema.js';

/** The same key ⇔ the same map: the current document, one pinned document, or one CSV. */
export function sourceKey(source: MapSource): string {
  if (source.kind === 'csv') return `csv:${source.path}`;
  return source.follow ? 'current' : `document:${source.uri}`;
}

/** The tab's title, naming the file the map shows ("Sentence Map: notes.md"). */
export function mapTitle(source: MapSource | undefined): string {
  if (!source) return 'Sentence Map';
  const name = source.kind === 'csv' ? basename(source.path) : documentName(source.uri);
  return `Sentence Map: ${name}`;
}

function documentName(uri: string): string {
  const path = /^[a-z][\w+.-]*:/i.test(uri) ? uri.replace(/^[^:]+:(\/\/[^/]*)?/, '').replace(/[?#].*$/, '') : uri;
  const last = path.split('/').filter(Boolean).pop() ?? uri;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * Positions in `tabLabels` that no title of `liveTitles` accounts for, each live title matching
 * one tab: the tabs of maps VS Code restored after a reload but has not revived yet.
 */
export function unmatchedTitles(tabLabels: readonly string[], liveTitles: readonly string[]): number[] {
  const left = [...liveTitles];
  return tabLabels.flatMap((label, i) => {
    const at = left.indexOf(label);
    if (at < 0) return [i];
    left.splice(at, 1);
    return [];
  });
}

/** What the registry needs of a map: its source now (it changes as the map follows or is pinned). */
export interface SourcedMap {
  readonly source: MapSource | undefined;
}

/**
 * The open maps. Keys are read from each map's source when asked rather than stored, so a map
 * that follows another document, or whose follow is switched off, is found under its new key
 * without telling the registry.
 */
export class MapRegistry<P extends SourcedMap> {
  private readonly maps: P[] = [];

  /** The map showing `source`, or a new one from `create` (added to the registry). */
  openFor(source: MapSource, create: () => P): { map: P; created: boolean } {
    const found = this.find(source);
    if (found) return { map: found, created: false };
    const map = create();
    this.add(map);
    return { map, created: true };
  }

  find(source: MapSource): P | undefined {
    const key = sourceKey(source);
    return this.maps.find((m) => m.source !== undefined && sourceKey(m.source) === key);
  }

  /** A map revived after a reload, or created by openFor. */
  add(map: P): void {
    if (!this.maps.includes(map)) this.maps.push(map);
  }

  /** Its panel was closed: the others stay. */
  remove(map: P): void {
    const i = this.maps.indexOf(map);
    if (i >= 0) this.maps.splice(i, 1);
  }

  all(): readonly P[] {
    return [...this.maps];
  }
}
