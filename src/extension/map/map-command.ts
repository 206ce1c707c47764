/** "Sentence Lens: Show Sentence Map": for the active document (following the editor) or, from the Explorer, a CSV. */
import * as vscode from 'vscode';
import type { DocumentReader } from '../document-reader.js';
import type { ModelHost } from '../model-host.js';
import type { MapTeacher } from './map-labels.js';
import { SentenceMapPanel } from './map-panel.js';
import { isCsvPath } from './map-targets.js';

export const SHOW_SENTENCE_MAP = 'sentenceLens.showSentenceMap';

export function registerSentenceMap(context: vscode.ExtensionContext, host: ModelHost, reader: DocumentReader, log: vscode.LogOutputChannel, teacher?: MapTeacher): vscode.Disposable[] {
  const panel = new SentenceMapPanel(context.extensionUri, log, host, reader, teacher);
  return [panel, vscode.commands.registerCommand(SHOW_SENTENCE_MAP, (uri?: unknown) => showSentenceMap(panel, uri instanceof vscode.Uri ? uri : undefined))];
}

function showSentenceMap(panel: SentenceMapPanel, fromExplorer: vscode.Uri | undefined): void {
  const target = fromExplorer ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    void vscode.window.showInformationMessage('Sentence Lens: open a document or a CSV file to see the map of its sentences.');
    return;
  }
  if (target.scheme === 'file' && isCsvPath(target.path)) panel.open({ kind: 'csv', path: target.fsPath });
  // From the palette the map is of "the current document" and follows the active editor.
  else panel.open({ kind: 'document', uri: target.toString(), follow: fromExplorer === undefined });
}
