// Choosing the model, in a real VS Code (code-server via harness.ts): the status bar's error and
// loading states, and every way of Select Model… — a Hugging Face id (checked against a local
// stand-in for the hub, downloaded from it), a local model folder, a training checkpoint and the
// bundled offline model, which gets an unambiguous sentence right. Screenshots go to
// test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { train } from '../../src/engine/train/trainer.js';
import { startLocalHub, type LocalHub } from '../support/local-hub.js';
import { makeTestModel } from '../support/model-folder.js';
import { UNAMBIGUOUS } from '../support/unambiguous.js';
import { type CodeServer, e2eSkip, startCodeServer } from './harness.js';

const DECORATION = /^(food|sports|reading) \d+% · (positive|negative) \d+%$/;
const STATUS = 'sentenceLens.status';
const LINES = ['The soup was warm and full of fresh vegetables.', UNAMBIGUOUS[0]!.text];

function vsixPath(): string {
  const p = resolve('dist/sentence-lens-linux-x64.vsix');
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run package (npm run test:e2e does)`);
  return p;
}

test('Sentence Lens in code-server: status bar error and loading, Select Model…', { timeout: 900_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-models-'));
  const workspace = join(temp, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), `${LINES.join('\n')}\n`);
  const hubModel = join(temp, 'hub-model');
  await makeTestModel(hubModel);
  const folder = join(temp, 'folder-model');
  await makeTestModel(folder);
  // A checkpoint as training writes it (heads only, naming its base folder).
  const csv = join(temp, 'data.csv');
  writeFileSync(csv, 'text,topic,sentiment\nGreat soup.,food,positive\nA dull match.,sports,negative\nA fine book.,reading,positive\nCold pasta.,food,negative\nWe won.,sports,positive\nA long poem.,reading,negative\n');
  const run = join(temp, 'run');
  await train({ csv, val: csv, model: folder, out: run, freeze: 'backbone', maxSteps: 2, device: 'cpu' });
  const checkpoint = join(run, 'best');
  assert.ok(existsSync(join(checkpoint, 'tasks.json')), 'training wrote a checkpoint');

  let hub: LocalHub | undefined;
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    await hub?.close();
    rmSync(temp, { recursive: true, force: true });
  });
  hub = await startLocalHub({ 'org/tiny': { dir: hubModel } });
  const missing = join(temp, 'no-such-model');
  cs = await startCodeServer({
    workspace,
    vsix: vsixPath(),
    settings: { 'sentenceLens.model': missing, 'sentenceLens.device': 'cpu' },
    // The model server inherits these: the local hub, and a Hugging Face cache of this test's own.
    env: { HF_ENDPOINT: hub.endpoint, HF_HOME: join(temp, 'hf-home') },
  });
  const userSettings = (): Record<string, unknown> => JSON.parse(readFileSync(join(cs!.userDataDir, 'User', 'settings.json'), 'utf8'));
  const quickInput = cs.page.locator('.quick-input-widget');
  const item = cs.page.locator(`.part.statusbar [id*="${STATUS}" i]`);
  await cs.openFile('notes.txt');

  /** Clears the annotations, classifies line 1, and returns its annotation. */
  const classify = async (line = 1): Promise<string> => {
    await cs!.runCommand('Sentence Lens: Clear Annotations');
    await cs!.waitForAnnotations((a) => a.length === 0, 'no annotations');
    await cs!.setCursor(line, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    const [a] = await cs!.waitForAnnotations((a) => a.length === 1 && a[0]!.line === line && DECORATION.test(a[0]!.text), `an annotation on line ${line}`, 120_000);
    return a!.text;
  };

  /** Select Model… and the item whose label contains `label`. */
  const idBox = async (): Promise<void> => {
    await cs!.waitForText(quickInput.locator('.quick-input-title', { hasText: 'Hugging Face model id' }));
  };
  const selectModel = async (label: string): Promise<void> => {
    await cs!.runCommand('Sentence Lens: Select Model…');
    await quickInput.waitFor({ state: 'visible' });
    // The list is long (recommended and cached models first) and only its visible rows exist in
    // the page: type to filter, as a user would.
    await quickInput.locator('.quick-input-box input').fill(label);
    const row = quickInput.locator('.quick-input-list .monaco-list-row').filter({ has: cs!.page.locator('.label-name', { hasText: label }) }).first();
    await row.click();
  };

  const chooseFolder = (dir: string) => cs!.chooseInOpenDialog(dir);

  await t.test('a model that cannot load: an error with Select Model…, and the status bar in its error state', async () => {
    await cs!.setCursor(1, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForNotification(/no-such-model/);
    await cs!.waitForStatusBarText(STATUS, (s) => s === 'no-such-model · error', 'the status bar error state');
    assert.equal(await item.locator('.codicon-error').count(), 1, 'the error icon');
    await cs!.screenshot('models-01-error');
    await cs!.clearNotifications();
  });

  await t.test('Select Model… → Hugging Face id: a malformed id is refused, an unknown one is reported, a known one downloads (loading shown)', async () => {
    await selectModel('Hugging Face model');
    const input = quickInput.locator('.quick-input-box input');
    await idBox();
    await input.fill('not a valid id!');
    await cs!.waitForText(quickInput.locator('.quick-input-message', { hasText: /An id looks like "org\/name"/ }));
    await input.fill('org/missing');
    await cs!.page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });
    await cs!.waitForNotification(/org\/missing/, 120_000);
    await cs!.poll(() => (userSettings()['sentenceLens.model'] === 'org/missing' ? true : undefined), 'sentenceLens.model = org/missing in the user settings');
    await cs!.clearNotifications();

    // Slowly served weights keep the model loading long enough to see it.
    hub!.slow('model.safetensors', 50);
    await selectModel('Hugging Face model');
    await idBox();
    await input.fill('org/tiny');
    await cs!.page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });
    await cs!.waitForStatusBarText(STATUS, (s) => s === 'org/tiny · loading', 'the status bar loading state');
    assert.equal(await item.locator('.codicon-sync').count(), 1, 'the spinning icon');
    await cs!.screenshot('models-02-loading');
    hub!.slow('model.safetensors', 0);
    await cs!.waitForStatusBarText(STATUS, (s) => s === 'org/tiny · cpu', 'org/tiny ready', 120_000);
    assert.ok(hub!.requests.some((r) => r.path.startsWith('/org/tiny/resolve/')), 'downloaded from the hub');
    await classify();
  });

  await t.test('Select Model… → local model folder', async () => {
    await selectModel('Local model folder');
    await chooseFolder(folder);
    await cs!.poll(() => (userSettings()['sentenceLens.model'] === folder ? true : undefined), 'sentenceLens.model = the folder in the user settings');
    await cs!.waitForStatusBarText(STATUS, (s) => s === 'folder-model · cpu', 'the folder model ready', 120_000);
    await classify();
  });

  await t.test('Select Model… → checkpoint: it overrides the model while set', async () => {
    await selectModel('Checkpoint');
    await chooseFolder(checkpoint);
    await cs!.poll(() => (userSettings()['sentenceLens.activeCheckpoint'] === checkpoint ? true : undefined), 'sentenceLens.activeCheckpoint = the checkpoint in the user settings');
    await cs!.waitForStatusBarText(STATUS, (s) => s === 'checkpoint best · cpu', 'the checkpoint ready', 120_000);
    await classify();
  });

  await t.test('Select Model… → offline model: back to the bundled model, which gets an unambiguous sentence right', async () => {
    await selectModel('Offline model');
    // A value equal to the default may be written or left out: either way it is the default.
    await cs!.poll(() => ((userSettings()['sentenceLens.activeCheckpoint'] ?? '') === '' ? true : undefined), 'the checkpoint cleared');
    assert.equal(userSettings()['sentenceLens.model'] ?? '${extensionPath}/models/offline', '${extensionPath}/models/offline');
    await cs!.waitForStatusBarText(STATUS, (s) => s === 'offline model (small) · cpu', 'the offline model ready', 120_000);
    const text = await classify(2);
    const { topic, sentiment } = UNAMBIGUOUS[0]!;
    assert.match(text, new RegExp(`^${topic} \\d+% · ${sentiment} \\d+%$`), `"${LINES[1]}" is ${topic} and ${sentiment}`);
    await cs!.screenshot('models-03-offline');
  });
});
