/** Select Model…, Select Device…, Restart Model Server, Show Log, and the status bar's action list. */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { DEVICE_DESCRIPTIONS, DEVICE_SETTINGS } from '../../engine/choices.js';
import { listCachedModels, type ModelPick, modelPicks, readOfflineFigures } from '../model-catalog.js';
import { OFFLINE_MODEL, SECTION } from '../settings.js';
import { type CommandContext, guarded } from './context.js';

const HUB_ID = /^(?:[\w\-.]+\/)?[\w\-.]{1,96}$/;

async function updateGlobal(key: string, value: unknown): Promise<void> {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  await cfg.update(key, value, vscode.ConfigurationTarget.Global);
  const i = cfg.inspect(key);
  if (i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined) {
    void vscode.window.showWarningMessage(`Sentence Lens: this workspace sets ${SECTION}.${key} itself, which overrides the value just chosen (user settings).`);
  }
}

type PickItem = vscode.QuickPickItem & { pick?: ModelPick };

function quickPickItem(p: ModelPick): PickItem {
  if (p.kind === 'separator') return { label: p.label, kind: vscode.QuickPickItemKind.Separator };
  return { label: p.label, description: 'description' in p ? p.description : undefined, detail: p.detail, pick: p };
}

export async function selectModel(ctx: CommandContext): Promise<void> {
  const current = ctx.host.wanted().choice;
  const settings = ctx.host.settings();
  const offlineDir = ctx.host.offlineModelDir();
  const picks = modelPicks(await listCachedModels(), {
    current: settings.activeCheckpoint ? '' : settings.model,
    offlinePresent: existsSync(offlineDir),
    offlineFigures: await readOfflineFigures(offlineDir),
  });
  const chosen = (await vscode.window.showQuickPick(picks.map(quickPickItem), { title: 'Sentence Lens: Select Model', placeHolder: `Now: ${current.label}`, matchOnDetail: true }))?.pick;
  if (!chosen || chosen.kind === 'separator') return;
  await guarded(ctx, async () => {
    if (chosen.kind === 'hub-model') {
      await updateGlobal('model', chosen.id);
      await updateGlobal('activeCheckpoint', '');
    } else if (chosen.kind === 'offline') {
      await updateGlobal('model', OFFLINE_MODEL);
      await updateGlobal('activeCheckpoint', '');
    } else if (chosen.kind === 'hub') {
      const id = await vscode.window.showInputBox({
        title: 'Hugging Face model id',
        placeHolder: 'sentence-transformers/all-MiniLM-L6-v2',
        validateInput: (v) => (HUB_ID.test(v.trim()) && !v.includes('..') ? undefined : 'An id looks like "org/name" (letters, digits, -, _ and .)'),
      });
      if (!id) return;
      await updateGlobal('model', id.trim());
      await updateGlobal('activeCheckpoint', '');
    } else {
      const uris = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        openLabel: chosen.kind === 'checkpoint' ? 'Use Checkpoint' : 'Use Model Folder',
      });
      const dir = uris?.[0]?.fsPath;
      if (!dir) return;
      if (chosen.kind === 'checkpoint') await updateGlobal('activeCheckpoint', dir);
      else {
        await updateGlobal('model', dir);
        await updateGlobal('activeCheckpoint', '');
      }
    }
    await ctx.host.ensureModel();
  });
}

export async function selectDevice(ctx: CommandContext): Promise<void> {
  const items: (vscode.QuickPickItem & { value: string })[] = DEVICE_SETTINGS.map((d) => ({ value: d, label: d, detail: DEVICE_DESCRIPTIONS[d] }));
  const now = ctx.host.settings().device;
  const pick = await vscode.window.showQuickPick(items, { title: 'Sentence Lens: Select Device', placeHolder: `Now: ${now}${ctx.host.state.model ? ` (running on ${ctx.host.state.model.device})` : ''}` });
  if (!pick) return;
  await guarded(ctx, async () => {
    await updateGlobal('device', pick.value);
    await ctx.host.ensureModel();
  });
}

export async function restartServer(ctx: CommandContext): Promise<void> {
  await guarded(ctx, async () =>
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Sentence Lens: restarting the model server' }, () => ctx.host.restart()),
  );
}

export function showLog(ctx: CommandContext): void {
  ctx.log.show(true);
}

export async function showActions(): Promise<void> {
  const actions: (vscode.QuickPickItem & { command: string })[] = [
    { label: '$(symbol-text) Classify Sentence', command: 'sentenceLens.classifySentence' },
    { label: '$(list-flat) Annotate Document', command: 'sentenceLens.annotateDocument' },
    { label: '$(clear-all) Clear Annotations', command: 'sentenceLens.clearAnnotations' },
    { label: '$(search) Find Similar Sentences', command: 'sentenceLens.findSimilar' },
    { label: '$(sync) Toggle Auto-Annotate', command: 'sentenceLens.toggleAutoAnnotate' },
    { label: '$(beaker) Open Training Panel', command: 'sentenceLens.openTrainingPanel' },
    { label: '$(play) Train on CSV…', command: 'sentenceLens.trainOnCsv' },
    { label: '$(package) Select Model…', command: 'sentenceLens.selectModel' },
    { label: '$(chip) Select Device…', command: 'sentenceLens.selectDevice' },
    { label: '$(debug-restart) Restart Model Server', command: 'sentenceLens.restartServer' },
    { label: '$(output) Show Log', command: 'sentenceLens.showLog' },
  ];
  const pick = await vscode.window.showQuickPick(actions, { title: 'Sentence Lens' });
  if (pick) await vscode.commands.executeCommand(pick.command);
}
