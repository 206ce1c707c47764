// Restricted Mode in a real VS Code (code-server via harness.ts, workspace trust on and the
// workspace not trusted): a workspace's sentenceLens.model is ignored — the user's model
// classifies — and the user is told which setting was ignored.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { makeTestModel } from '../support/model-folder.js';
import { type CodeServer, e2eSkip, startCodeServer } from './harness.js';

const DECORATION = /^(food|sports|reading) \d+% · (positive|negative) \d+%$/;

function vsixPath(): string {
  const p = resolve('dist/sentence-lens-linux-x64.vsix');
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run package (npm run test:e2e does)`);
  return p;
}

test('Restricted Mode: a workspace cannot choose the model, and the user is told', { timeout: 600_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-restricted-'));
  const workspace = join(temp, 'workspace');
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, 'notes.txt'), 'Our team won the football match in extra time.\n');
  // The workspace's own choice: a model folder of its making (here one that does not even exist).
  const theirs = join(temp, 'workspace-model');
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'sentenceLens.model': theirs }, null, 2));
  const mine = join(temp, 'user-model');
  await makeTestModel(mine);
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  cs = await startCodeServer({ workspace, vsix: vsixPath(), restrictedMode: true, settings: { 'sentenceLens.model': mine, 'sentenceLens.device': 'cpu' } });
  await cs.openFile('notes.txt');
  await cs.setCursor(1, 1);
  await cs.runCommand('Sentence Lens: Classify Sentence');
  const told = await cs.waitForNotification(/Restricted Mode/, 60_000);
  assert.match(told, /this workspace's sentenceLens\.model setting is ignored; the model comes from your user settings/);
  await cs.waitForAnnotations((a) => a.length === 1 && DECORATION.test(a[0]!.text), 'the sentence classified by the user\'s model', 120_000);
  await cs.waitForStatusBarText('sentenceLens.status', (s) => s === 'user-model · cpu', 'the user\'s model in the status bar');
  await cs.screenshot('restricted-01');
  assert.ok(!cs.outputChannelLines('Sentence Lens').some((l) => l.includes(theirs)), 'the workspace model was never loaded');
});
