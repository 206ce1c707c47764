/**
 * Map tabs that a window reload restored but VS Code has not revived yet. VS Code revives a
 * webview panel (calls its serializer) only when its tab is first shown, so until then the
 * extension cannot know which source a hidden map tab shows, and the palette would open a second
 * map of "the current document" beside the one waiting in a hidden tab. Showing those tabs once
 * revives them; the registry then finds the map that already shows the source.
 */
import * as vscode from 'vscode';
import { unmatchedTitles } from './map-registry.js';

/** Focus commands for the first eight editor groups, in the order of `tabGroups.all`. */
const FOCUS_GROUP = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth', 'Seventh', 'Eighth'].map((n) => `workbench.action.focus${n}EditorGroup`);
/** How long a shown tab may take to be revived before the command goes on without it. */
const REVIVE_TIMEOUT_MS = 15_000;

// A tab's view type carries a "mainThreadWebview-" prefix (microsoft/vscode#201884).
const isTabOf = (tab: vscode.Tab, viewType: string) =>
  tab.input instanceof vscode.TabInputWebview && (tab.input.viewType === viewType || tab.input.viewType.endsWith(`-${viewType}`));

/** The map tabs no live map accounts for (matched by title: a live map's panel has its tab's). */
export function dormantTabs(viewType: string, liveTitles: readonly string[]): vscode.Tab[] {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => isTabOf(t, viewType));
  return unmatchedTitles(tabs.map((t) => t.label), liveTitles).map((i) => tabs[i]!);
}

/**
 * Shows each dormant tab until VS Code has revived it (`revived` resolves when the serializer has
 * taken a panel), then gives the focus back to the editor that had it.
 */
export async function wakeDormantTabs(tabs: readonly vscode.Tab[], revived: () => Promise<boolean>): Promise<void> {
  if (tabs.length === 0) return;
  const editor = vscode.window.activeTextEditor;
  for (const tab of tabs) {
    const groupIndex = vscode.window.tabGroups.all.indexOf(tab.group);
    const tabIndex = tab.group.tabs.indexOf(tab);
    if (tabIndex < 0 || groupIndex < 0 || groupIndex >= FOCUS_GROUP.length) continue;
    const waiting = revived();
    if (!tab.group.isActive) await vscode.commands.executeCommand(FOCUS_GROUP[groupIndex]!);
    await vscode.commands.executeCommand('workbench.action.openEditorAtIndex', tabIndex);
    await waiting;
  }
  if (editor) await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
}

/** A promise of the next revival, false when none comes within REVIVE_TIMEOUT_MS. */
export class Revivals {
  private readonly waiting = new Set<(ok: boolean) => void>();

  next(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), REVIVE_TIMEOUT_MS);
      this.waiting.add(done);
    });
  }

  /** The serializer took a panel. */
  revived(): void {
    for (const done of [...this.waiting]) done(true);
  }
}
