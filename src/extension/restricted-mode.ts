/**
 * Restricted Mode (an untrusted workspace): VS Code ignores the workspace's values of the
 * settings package.json lists under `capabilities.untrustedWorkspaces.restrictedConfigurations`,
 * so a workspace cannot make Sentence Lens load model files of its choosing. A user who put a
 * model in .vscode/settings.json would otherwise wonder why it is not used: this says so.
 * VS Code hides those values from the configuration API (inspect() too), so the workspace's
 * settings files themselves are read (JSON with comments, as VS Code writes them).
 */
// The ES module build: the package's default (UMD) entry requires its parts at run time, which
// a bundle does not carry.
import { parse } from 'jsonc-parser/lib/esm/main.js';
import { SECTION } from './settings.js';

/** The restricted settings (checked against package.json by test/unit/package-json.test.ts). */
export const RESTRICTED_KEYS = ['model', 'activeCheckpoint', 'device', 'runsFolder', 'labelsFile'] as const;

/** A workspace settings file: a folder's .vscode/settings.json, or a .code-workspace file (settings under "settings"). */
export interface SettingsSource<F> {
  readonly file: F;
  readonly kind: 'folder' | 'workspace';
}

/** The restricted settings a settings file's text sets, as full names. */
export function restrictedSettingsIn(text: string, kind: SettingsSource<unknown>['kind']): string[] {
  const root: unknown = parse(text, [], { allowTrailingComma: true });
  const settings = kind === 'workspace' && isObject(root) ? root['settings'] : root;
  if (!isObject(settings)) return [];
  return RESTRICTED_KEYS.map((k) => `${SECTION}.${k}`).filter((name) => settings[name] !== undefined);
}

/** The restricted settings the workspace's settings files set (and Restricted Mode ignores); unreadable files set nothing. */
export async function ignoredWorkspaceSettings<F>(sources: readonly SettingsSource<F>[], read: (file: F) => Promise<string | undefined>): Promise<string[]> {
  const found = new Set<string>();
  for (const s of sources) {
    const text = await read(s.file);
    if (text !== undefined) for (const name of restrictedSettingsIn(text, s.kind)) found.add(name);
  }
  return [...found];
}

export function restrictedModeMessage(ignored: readonly string[]): string {
  return (
    `Sentence Lens: Restricted Mode — this workspace's ${ignored.join(', ')} ${ignored.length === 1 ? 'setting is' : 'settings are'} ignored; ` +
    'the model comes from your user settings. Trust the workspace to use its settings.'
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
