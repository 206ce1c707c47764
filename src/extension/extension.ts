/**
 * Activation wiring only: the log, the model host, annotations, status bar, auto-annotation and
 * commands. Nothing here runs a model; the server starts on the first command that needs it.
 */
import * as vscode from 'vscode';
import { Annotations } from './annotations.js';
import { AutoAnnotator } from './auto-annotate.js';
import { registerCommands } from './commands/index.js';
import { registerSentenceMap } from './map/map-command.js';
import { ModelHost } from './model-host.js';
import { MODEL_KEYS, SECTION } from './settings.js';
import { StatusBar } from './status-bar.js';

let host: ModelHost | undefined;

export function activate(context: vscode.ExtensionContext): { readonly serverPid: () => number | undefined } {
  const log = vscode.window.createOutputChannel('Sentence Lens', { log: true });
  host = new ModelHost(context, log);
  const h = host;
  const status = new StatusBar();
  const annotations = new Annotations(() => h.settings());
  const ctx = { host: h, annotations, log, status };
  const auto = new AutoAnnotator(ctx);
  context.subscriptions.push(
    log,
    status,
    annotations,
    auto,
    h.onDidChangeState((s) => status.update(s)),
    ...registerCommands(ctx),
    ...registerSentenceMap(context, h, log),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      if (MODEL_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) void h.settingsChanged().catch((err) => h.showError(err));
      if (e.affectsConfiguration(`${SECTION}.decorationFormat`) || e.affectsConfiguration(`${SECTION}.minConfidence`)) annotations.renderAll();
      if (e.affectsConfiguration(`${SECTION}.autoAnnotate`) && vscode.window.activeTextEditor) auto.schedule(vscode.window.activeTextEditor.document);
    }),
  );
  status.update({ state: 'stopped', choice: h.wanted().choice });
  log.info(`activated (extension ${context.extension.packageJSON.version}, VS Code ${vscode.version})`);
  // For tests and the benchmark: which process serves the model.
  return { serverPid: () => h.pid };
}

export async function deactivate(): Promise<void> {
  await host?.dispose();
  host = undefined;
}
