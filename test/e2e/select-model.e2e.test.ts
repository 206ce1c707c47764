// Select Model… in a real VS Code (code-server via test/e2e/harness.ts): the pick list shows
// recommended models per use with their download size and the models already in the Hugging
// Face cache; picking a cached MPNet model classifies with it, and picking a recommended one
// downloads it (from a local stand-in for the hub, HF_ENDPOINT) and classifies with it.
// Screenshots go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { downloadModel } from '../../src/engine/hub.js';
import { ARCHITECTURE_CASES, architectureModel } from '../support/architecture-cases.js';
import { type LocalHub, startLocalHub } from '../support/local-hub.js';
import { makeTestModel } from '../support/model-folder.js';
import { type CodeServer, e2eSkip, startCodeServer, poll as sharedPoll } from './harness.js';

const DECORATION = /^(food|sports|reading) \d+% · (positive|negative) \d+%$/;
const LINES = ['The soup was warm and full of fresh vegetables.', 'Our team won the football match in extra time.'];

function vsixPath(): string {
  const p = resolve('dist/sentence-lens-linux-x64.vsix');
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run package (npm run test:e2e does)`);
  return p;
}

/** The harness's poll, with this file's default wait. */
const poll = <T>(fn: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> => sharedPoll(fn, what, ms);

test('Select Model…: recommended and cached models, each one loads and classifies', { timeout: 600_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-select-'));
  const workspace = join(temp, 'workspace');
  const hfHome = join(temp, 'hf');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), `${LINES.join('\n')}\n`);
  const start = join(temp, 'start-model');
  await makeTestModel(start);
  // The hub's stand-in serves a tiny model under a recommended id, and a tiny MPNet that is
  // downloaded into the cache before VS Code starts.
  const mpnet = await architectureModel(ARCHITECTURE_CASES.find((c) => c.id === 'mpnet')!);
  const recommended = join(temp, 'recommended');
  await makeTestModel(recommended);
  let hub: LocalHub | undefined = await startLocalHub({ 'acme/tiny-mpnet': { dir: mpnet }, 'sentence-transformers/all-MiniLM-L6-v2': { dir: recommended } });
  const env = { HF_HOME: hfHome, HF_ENDPOINT: hub.endpoint };
  await downloadModel('acme/tiny-mpnet', { env });
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    await hub?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  cs = await startCodeServer({ workspace, vsix: vsixPath(), env, settings: { 'sentenceLens.model': start, 'sentenceLens.device': 'cpu' } });
  await cs.openFile('notes.txt');
  const quickInput = cs.page.locator('.quick-input-widget');
  const rows = quickInput.locator('.quick-input-list .monaco-list-row');
  const userSettings = (): Record<string, unknown> => JSON.parse(readFileSync(join(cs!.userDataDir, 'User', 'settings.json'), 'utf8'));
  const item = cs.page.locator('.part.statusbar [id*="sentenceLens.status" i]');

  /** Opens Select Model…, filters to `id` and picks it; waits for it in the settings and the status bar. */
  const pick = async (id: string) => {
    await cs!.runCommand('Sentence Lens: Select Model…');
    await quickInput.waitFor({ state: 'visible' });
    await cs!.page.keyboard.type(id);
    await poll(async () => ((await rows.count()) === 1 ? true : undefined), `one row for ${id}`, 10_000);
    await cs!.page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });
    await poll(async () => (userSettings()['sentenceLens.model'] === id ? true : undefined), `sentenceLens.model = ${id}`);
    await poll(async () => ((await item.innerText()).includes(id.split('/')[1]!) && (await item.locator('.codicon-check').count()) === 1 ? true : undefined), `${id} ready in the status bar`, 180_000);
  };

  await t.test('the list has recommended models per use with download sizes, and the cached models', async () => {
    await cs!.runCommand('Sentence Lens: Select Model…');
    await quickInput.waitFor({ state: 'visible' });
    await poll(async () => ((await rows.count()) > 5 ? true : undefined), 'the model list');
    const text = (await rows.allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
    await cs!.screenshot('select-model-01-list');
    const row = (id: string) => text.find((r) => r.includes(id)) ?? '';
    assert.match(row('sentence-transformers/all-mpnet-base-v2'), /≈ 439 MB download/);
    assert.match(row('sentence-transformers/all-MiniLM-L6-v2'), /≈ 91 MB download/);
    assert.match(row('intfloat/multilingual-e5-small'), /≈ 490 MB download/);
    assert.match(row('acme/tiny-mpnet'), /\d+ kB on disk/);
    const separators = (await quickInput.locator('.quick-input-list-separator').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
    for (const s of ['small and fast', 'best quality', 'multilingual', 'in the Hugging Face cache']) assert.ok(separators.includes(s), `${s} in ${separators.join(', ')}`);
    await cs!.page.keyboard.press('Escape');
    await quickInput.waitFor({ state: 'hidden' });
  });

  await t.test('picking the cached MPNet model classifies with it, without a download', async () => {
    hub!.clearLog();
    await pick('acme/tiny-mpnet');
    await cs!.setCursor(1, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    assert.equal((await cs!.waitForDecoration(DECORATION, 120_000)).line, 1);
    assert.ok(!hub!.requests.some((r) => r.method === 'GET' && r.path.includes('model.safetensors')), 'no weights downloaded again');
    assert.match(cs!.extensionHostLog(), /ready: acme\/tiny-mpnet on cpu/);
    await cs!.screenshot('select-model-02-mpnet');
  });

  await t.test('picking a recommended model downloads it into the cache and classifies with it', async () => {
    await pick('sentence-transformers/all-MiniLM-L6-v2');
    assert.ok(hub!.requests.some((r) => r.method === 'GET' && r.path.startsWith('/lfs/')), 'its weights were downloaded');
    assert.ok(existsSync(join(hfHome, 'hub', 'models--sentence-transformers--all-MiniLM-L6-v2')));
    await cs!.runCommand('Sentence Lens: Clear Annotations');
    await poll(async () => ((await cs!.afterDecorations()).length === 0 ? true : undefined), 'no decorations');
    await cs!.setCursor(2, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    assert.equal((await cs!.waitForDecoration(DECORATION, 120_000)).line, 2);
    await cs!.screenshot('select-model-03-recommended');
  });
});
