/**
 * Restricted Mode (an untrusted workspace): VS Code ignores the workspace's values of the
 * settings package.json lists under `capabilities.untrustedWorkspaces.restrictedConfigurations`,
 * so a workspace cannot make Sentence Lens load model files of its choosing. A user who put a
 * model in .vscode/settings.json would otherwise wonder why it is not used: this says so, once
 * per session.
 */
import { SECTION } from './settings.js';

/** The restricted settings (checked against package.json by test/unit/package-json.test.ts). */
export const RESTRICTED_KEYS = ['model', 'activeCheckpoint', 'device'] as const;

export interface InspectSource {
  inspect(key: string): { workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined;
}

/** The restricted settings this workspace sets (and Restricted Mode therefore ignores), as full names. */
export function ignoredWorkspaceSettings(cfg: InspectSource): string[] {
  return RESTRICTED_KEYS.filter((k) => {
    const i = cfg.inspect(k);
    return i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined;
  }).map((k) => `${SECTION}.${k}`);
}

export function restrictedModeMessage(ignored: readonly string[]): string {
  return (
    `Sentence Lens: Restricted Mode — this workspace's ${ignored.join(', ')} ${ignored.length === 1 ? 'setting is' : 'settings are'} ignored; ` +
    'the model comes from your user settings. Trust the workspace to use its settings.'
  );
}
