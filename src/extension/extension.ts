/**
 * Activation wiring only: the log, the model host, the prose reader, annotations, status bar,
 * auto-annotation and commands. Nothing here runs a model; the server starts on the first command that needs it, or
 * when auto-annotation (sentenceLens.autoAnnotate) meets a sentence. The extension activates when
 * start-up has finished (package.json `onStartupFinished`), so auto-annotation works after a
 * reload; activating costs no model load, and the status bar item appears only once Sentence Lens
 * is used or auto-annotation is on.
 */
import * as vscode from 'vscode';
import { Annotations } from './annotations.js';
import { AutoAnnotator } from './auto-annotate.js';
import { registerCommands } from './commands/index.js';
import { DocumentReader } from './document-reader.js';
import { FormatCheck } from './format-check.js';
import { ModelChangeRefresher } from './model-change.js';
import { registerSentenceMap } from './map/map-command.js';
import { ModelHost } from './model-host.js';
import { tellIfRestricted } from './restricted-notice.js';
import { MODEL_KEYS, SECTION } from './settings.js';
import { StatusBar } from './status-bar.js';
import { registerTraining } from './training/commands.js';
import { LABEL_AS, labelLinksMarkdown } from './labels/hover-links.js';
import { registerLabelCommands } from './labels/commands.js';
import { Teacher } from './labels/teacher.js';

let host: ModelHost | undefined;

export function activate(context: vscode.ExtensionContext): { readonly serverPid: () => number | undefined } {
  const log = vscode.window.createOutputChannel('Sentence Lens', { log: true });
  host = new ModelHost(context, log);
  const h = host;
  const status = new StatusBar();
  const annotations = new Annotations(() => h.settings());
  // Documents are read into sentences by a worker thread, started on the first read.
  const reader = new DocumentReader(context.asAbsolutePath('dist/prose-worker.js'), log);
  const ctx = { host: h, reader, annotations, log, status };
  const auto = new AutoAnnotator(ctx);
  const formatCheck = new FormatCheck(log);
  const teacher = new Teacher(ctx);
  annotations.setHoverExtra((doc, a) => {
    const tasks = Object.keys(a.result.tasks);
    if (tasks.length === 0 || teacher.unavailable()) return undefined;
    return { markdown: labelLinksMarkdown({ uri: doc.uri.toString(), start: a.start, end: a.end }, tasks, teacher.given(a.text)), commands: [LABEL_AS] };
  });
  context.subscriptions.push(
    log,
    status,
    reader,
    annotations,
    auto,
    new ModelChangeRefresher(ctx),
    h.onDidChangeState((s) => {
      status.update(s);
      if (s.state === 'ready') formatCheck.check(h.settings().decorationFormat, s.model);
    }),
    ...registerCommands(ctx),
    ...registerTraining(context, ctx),
    teacher,
    ...registerLabelCommands(ctx, teacher),
    ...registerSentenceMap(context, h, reader, log, teacher),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      if (MODEL_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) void h.settingsChanged().catch((err) => h.showError(err));
      if (e.affectsConfiguration(`${SECTION}.decorationFormat`)) formatCheck.check(h.settings().decorationFormat, h.state.model);
      if (['decorationFormat', 'minConfidence', 'unknownVocabularyThreshold'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) annotations.renderAll();
      if (e.affectsConfiguration(`${SECTION}.autoAnnotate`) && vscode.window.activeTextEditor) auto.schedule(vscode.window.activeTextEditor.document);
    }),
  );
  if (h.settings().autoAnnotate) {
    status.update({ state: 'stopped', choice: h.wanted().choice });
    // Activated after start-up: the editor already open gets annotated without waiting for an edit.
    if (vscode.window.activeTextEditor) auto.schedule(vscode.window.activeTextEditor.document);
  }
  void tellIfRestricted(log).catch((e) => log.warn(`reading the workspace settings failed: ${String(e)}`));
  // Trusting the workspace makes its model settings count: load what they name.
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void h.settingsChanged().catch((err) => h.showError(err))));
  log.info(`activated (extension ${context.extension.packageJSON.version}, VS Code ${vscode.version})`);
  // For tests and the benchmark: which process serves the model.
  return { serverPid: () => h.pid };
}

export async function deactivate(): Promise<void> {
  await host?.dispose();
  host = undefined;
}
