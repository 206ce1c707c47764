/**
 * Sentence Lens: Train on CSV… — training without the panel: pick a workspace CSV, pick a
 * freeze policy, start with the engine's defaults (columns guessed). Progress is a cancellable
 * notification (cancel = Stop, which saves `last`); at the end the run is offered for use.
 */
import * as vscode from 'vscode';
import { percentDone, progressLine } from '../../runs/format.js';
import type { RunEvent, RunLogEntry } from '../../runs/run-folder.js';
import type { CommandContext } from '../commands/context.js';
import { confine, displayPath } from './paths.js';
import { runLabels } from './panel-options.js';
import type { TrainingService } from './training-service.js';

interface FreezeItem extends vscode.QuickPickItem {
  readonly freeze: string;
}

/** The freeze policies, each with when to choose it (the panel says the same). */
export const FREEZE_CHOICES: readonly { freeze: string; label: string; detail: string }[] = [
  { freeze: 'backbone', label: 'Freeze the backbone (heads only)', detail: 'Fast; keeps the pretrained sentence vectors. Choose it for new labels on a small dataset.' },
  { freeze: 'none', label: 'Train everything', detail: 'Slowest; adapts the whole model to your text. Choose it with plenty of data.' },
  { freeze: 'embeddings', label: 'Freeze the embeddings', detail: 'Every layer trains but the word vectors stay; guards rare words on small data.' },
  { freeze: 'bottom', label: 'Freeze embeddings and the bottom K layers', detail: 'Lower layers hold general features; train only the top ones. Asks for K.' },
  { freeze: 'all', label: 'Freeze everything (evaluate only)', detail: 'Nothing trains: measures the current model on this data.' },
];

export async function trainOnCsv(ctx: CommandContext, service: TrainingService, csvArg?: vscode.Uri): Promise<void> {
  const folders = service.folders;
  if (folders.length === 0) {
    void vscode.window.showInformationMessage('Sentence Lens: open a folder first: training runs are saved in the workspace.');
    return;
  }
  const csv = csvArg?.fsPath ?? (await pickCsv(folders));
  if (!csv) return;
  if (!confine(csv, folders)) {
    void vscode.window.showErrorMessage(`Sentence Lens: ${csv} is outside the workspace folders; choose a CSV in the workspace.`);
    return;
  }
  const freeze = await pickFreeze();
  if (!freeze) return;
  const model = service.baseModel();
  const options = { csv, model };
  let run: { id: string; dir: string };
  try {
    run = await service.start({ ...options, freeze }, runLabels({ ...options, freeze }, { csv: displayPath(csv, folders), model: service.modelLabel(model) }));
  } catch (e) {
    await ctx.host.showError(e);
    return;
  }
  const end = await follow(service, run.dir, `Sentence Lens: training on ${displayPath(csv, folders)}`);
  await offerResult(ctx, service, run.dir, end, csv);
}

async function pickCsv(folders: readonly string[]): Promise<string | undefined> {
  const uris = await vscode.workspace.findFiles('**/*.{csv,CSV}', '**/{node_modules,.git,.sentence-lens}/**', 1000);
  const items: (vscode.QuickPickItem & { path?: string })[] = uris
    .map((u) => ({ label: `$(file) ${displayPath(u.fsPath, folders)}`, path: u.fsPath }))
    .sort((a, b) => a.label.localeCompare(b.label));
  items.push({ label: '$(folder-opened) Browse…' });
  const pick = await vscode.window.showQuickPick(items, { title: 'Train on CSV (1/2): the training data', placeHolder: 'A CSV with a text column and one or more label columns' });
  if (!pick) return undefined;
  if (pick.path) return pick.path;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { CSV: ['csv', 'tsv', 'txt'] }, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return chosen?.[0]?.fsPath;
}

async function pickFreeze(): Promise<string | undefined> {
  const items: FreezeItem[] = FREEZE_CHOICES.map((c) => ({ label: c.label, detail: c.detail, freeze: c.freeze }));
  const pick = await vscode.window.showQuickPick(items, { title: 'Train on CSV (2/2): what trains', placeHolder: 'Freeze policy (the other options take their defaults; the training panel has them all)' });
  if (!pick) return undefined;
  if (pick.freeze !== 'bottom') return pick.freeze;
  const k = await vscode.window.showInputBox({
    title: 'Freeze the embeddings and the bottom K layers',
    prompt: 'K: how many encoder layers from the bottom stay frozen',
    value: '1',
    validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'a whole number of layers, e.g. 2'),
  });
  return k === undefined ? undefined : `bottom:${k.trim()}`;
}

type End = Extract<RunEvent, { type: 'ended' | 'failed' }> | undefined;

/** Shows the run as a cancellable notification until it ends; cancelling stops it. */
function follow(service: TrainingService, dir: string, title: string): Thenable<End> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
    new Promise<End>((resolve) => {
      let shown = 0;
      let sub: { dispose(): void } | undefined;
      // A trainer that dies without logging an end (killed, crashed) ends the notification too.
      const lifecycle = service.runs.onDidChange(async () => {
        const row = (await service.rows()).find((r) => r.dir === dir);
        if (row && row.status !== 'running') {
          lifecycle.dispose();
          resolve(row.status === 'interrupted' ? { type: 'failed', message: 'the trainer process ended without finishing the run; see "Sentence Lens: Show Log"' } : undefined);
        }
      });
      token.onCancellationRequested(() => {
        progress.report({ message: 'stopping after this step…' });
        void service.runs.stop(dir);
      });
      void service
        .watch(dir, (entries: readonly RunLogEntry[]) => {
          for (const { event } of entries) {
            if (event.type === 'progress') {
              const pct = percentDone(event);
              progress.report({ message: `${pct}% · ${progressLine(event)}`, increment: pct - shown });
              shown = pct;
            } else if (event.type === 'ended' || event.type === 'failed') {
              sub?.dispose();
              lifecycle.dispose();
              resolve(event);
            }
          }
        })
        .then((s) => (sub = s));
    }),
  );
}

async function offerResult(ctx: CommandContext, service: TrainingService, dir: string, end: End, csv: string): Promise<void> {
  if (!end) return;
  if (end.type === 'failed') {
    const open = end.location ? 'Open CSV at the Problem' : undefined;
    const pick = await vscode.window.showErrorMessage(`Sentence Lens: training failed: ${end.message}`, ...(open ? [open] : []), 'Open Training Panel');
    if (pick === open && end.location) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(end.location.file));
      const pos = new vscode.Position(end.location.line - 1, 0);
      await vscode.window.showTextDocument(doc, { selection: new vscode.Selection(pos, pos) });
    } else if (pick === 'Open Training Panel') await vscode.commands.executeCommand('sentenceLens.openTrainingPanel');
    return;
  }
  const row = (await service.rows()).find((r) => r.dir === dir);
  const metrics = Object.entries(row?.meta.best ?? {}).map(([t, m]) => `${t} accuracy ${(100 * m.accuracy).toFixed(0)}%`).join(', ');
  const what = end.status === 'cancelled' ? `stopped at step ${end.step} of ${end.totalSteps}` : end.status === 'evaluated-only' ? 'evaluated' : `finished (${end.status})`;
  const actions = row?.checkpoints.length ? ['Use for Annotations', 'Open Training Panel'] : ['Open Training Panel'];
  const pick = await vscode.window.showInformationMessage(`Sentence Lens: training on ${displayPath(csv, service.folders)} ${what}${metrics ? `: ${metrics}` : ''}.`, ...actions);
  if (pick === 'Use for Annotations') await service.useForAnnotations(dir).catch((e) => ctx.host.showError(e));
  else if (pick === 'Open Training Panel') await vscode.commands.executeCommand('sentenceLens.openTrainingPanel');
}
