/** In Restricted Mode, tells the user which of the workspace's model settings are ignored (restricted-mode.ts). */
import * as vscode from 'vscode';
import { ignoredWorkspaceSettings, restrictedModeMessage, type SettingsSource } from './restricted-mode.js';

export async function tellIfRestricted(log: vscode.LogOutputChannel): Promise<void> {
  if (vscode.workspace.isTrusted) return;
  const sources: SettingsSource<vscode.Uri>[] = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ file: vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json'), kind: 'folder' }));
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile?.scheme === 'file') sources.push({ file: workspaceFile, kind: 'workspace' });
  const ignored = await ignoredWorkspaceSettings(sources, async (uri) => {
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined;
    }
  });
  if (ignored.length === 0) return;
  const message = restrictedModeMessage(ignored);
  log.warn(message);
  const pick = await vscode.window.showWarningMessage(message, 'Manage Workspace Trust');
  if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
}
