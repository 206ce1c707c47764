// Runs the extension's tests inside a downloaded VS Code with @vscode/test-electron, for machines
// that can download VS Code. Offline (this project's dev machines and CI) it skips cleanly: the
// code-server e2e tests (test/e2e) cover a real VS Code there. Not called from .ci/run.
// Usage: npm run build && node --import tsx test/electron/run.ts
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DOWNLOAD_TIMEOUT_MS = 120_000;

async function download(): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      downloadAndUnzipVSCode({ version: process.env.SENTENCE_LENS_VSCODE_VERSION ?? 'stable', cachePath: join(REPO_ROOT, '.cache', 'vscode-test') }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${DOWNLOAD_TIMEOUT_MS / 1000}s`)), DOWNLOAD_TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    console.log(`(download failed: ${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const vscodeExecutablePath = await download();
if (!vscodeExecutablePath) {
  console.log('skipped: cannot download VS Code here (offline); the code-server e2e tests cover this');
  process.exit(0);
}

const workspace = mkdtempSync(join(tmpdir(), 'sl-electron-'));
writeFileSync(join(workspace, 'notes.txt'), 'Sentence Lens reads sentences.\n');
try {
  const code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: join(REPO_ROOT, 'test', 'electron', 'suite', 'index.cjs'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
  process.exit(code);
} catch (e) {
  console.error('VS Code tests failed:', e);
  process.exit(1);
}
