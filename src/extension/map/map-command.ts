/**
 * "Sentence Lens: Show Sentence Map": for the active document (following the editor) or, from the
 * Explorer, a CSV; one map panel per source (map-registry.ts), each revived after a window reload
 * with its own source.
 */
import * as vscode from 'vscode';
import type { MapSource } from '../../webview/schema.js';
import type { DocumentReader } from '../document-reader.js';
import type { ModelHost } from '../model-host.js';
import type { MapTeacher } from './map-labels.js';
import { Revivals, dormantTabs, wakeDormantTabs } from './dormant-maps.js';
import { SENTENCE_MAP_VIEW_TYPE, SentenceMapPanel } from './map-panel.js';
import { MapRegistry, mapTitle } from './map-registry.js';
import { isCsvPath } from './map-targets.js';

export const SHOW_SENTENCE_MAP = 'sentenceLens.showSentenceMap';

export function registerSentenceMap(context: vscode.ExtensionContext, host: ModelHost, reader: DocumentReader, log: vscode.LogOutputChannel, teacher?: MapTeacher): vscode.Disposable[] {
  const maps = new MapRegistry<SentenceMapPanel>();
  const revivals = new Revivals();
  const create = () => new SentenceMapPanel(context.extensionUri, log, host, reader, teacher, (closed) => maps.remove(closed));
  // VS Code allows one serializer per view type: each revived panel gets a map of its own, which
  // takes its source from the state its page saved.
  const serializer = vscode.window.registerWebviewPanelSerializer(SENTENCE_MAP_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel, state) => {
      const map = create();
      maps.add(map);
      map.revive(panel, state);
      revivals.revived();
    },
  });
  return [
    serializer,
    { dispose: () => maps.all().forEach((m) => m.dispose()) },
    vscode.commands.registerCommand(SHOW_SENTENCE_MAP, (uri?: unknown) => showSentenceMap(maps, create, revivals, uri instanceof vscode.Uri ? uri : undefined)),
  ];
}

async function showSentenceMap(maps: MapRegistry<SentenceMapPanel>, create: () => SentenceMapPanel, revivals: Revivals, fromExplorer: vscode.Uri | undefined): Promise<void> {
  const target = fromExplorer ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    void vscode.window.showInformationMessage('Sentence Lens: open a document or a CSV file to see the map of its sentences.');
    return;
  }
  const source: MapSource =
    target.scheme === 'file' && isCsvPath(target.path)
      ? { kind: 'csv', path: target.fsPath }
      : // From the palette the map is of "the current document" and follows the active editor.
        { kind: 'document', uri: target.toString(), follow: fromExplorer === undefined };
  // A hidden tab restored by a reload may already map this source: revive it rather than open a second.
  if (!maps.find(source)) await wakeDormantTabs(dormantTabs(SENTENCE_MAP_VIEW_TYPE, maps.all().map((m) => mapTitle(m.source))), () => revivals.next());
  maps.openFor(source, create).map.open(source);
}
