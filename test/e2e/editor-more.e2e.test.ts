// More of Sentence Lens in a real VS Code (code-server via test/e2e/harness.ts), on a generated test
// model: the status bar item (model, device, click → actions), Clear Annotations, auto-annotation
// of an edited sentence, Copy Sentence Embedding (clipboard) and Select Device…. Screenshots go to
// test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { makeTestModel } from '../support/model-folder.js';
import { type CodeServer, type DecorationText, e2eSkip, startCodeServer } from './harness.js';

const DECORATION = /^(food|sports|reading) \d+% · (positive|negative) \d+%$/;
const LINES = [
  'The soup was warm and full of fresh vegetables.',
  'Our team won the football match in extra time.',
  'She reads a novel every week on the train.',
];
const NEW_SENTENCE = 'The bakery sells fresh bread every morning.';

function vsixPath(): string {
  const p = resolve('dist/sentence-lens-linux-x64.vsix');
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run package (npm run test:e2e does)`);
  return p;
}

async function poll<T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Classified lines → decoration text. */
async function decorations(cs: CodeServer): Promise<Map<number, string>> {
  const all: DecorationText[] = await cs.decorationTexts();
  return new Map(all.filter((d) => DECORATION.test(d.text)).map((d) => [d.line, d.text]));
}

test('Sentence Lens in code-server: status bar, clear, auto-annotate, embedding, device', { timeout: 600_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-more-'));
  const workspace = join(temp, 'workspace');
  const model = join(temp, 'model');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), `${LINES.join('\n')}\n`);
  await makeTestModel(model);
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  // The model is set in User settings only: it must survive the settings write that Toggle
  // Auto-Annotate makes (with a machine-overridable scope, code-server lost it at that point).
  const userDataDir = join(temp, 'user-data');
  // device auto: Select Device… later switches it to cpu.
  cs = await startCodeServer({ workspace, userDataDir, vsix: vsixPath(), settings: { 'sentenceLens.model': model, 'sentenceLens.device': 'auto' } });
  await cs.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cs.url });
  await cs.openFile('notes.txt');
  const item = cs.page.locator('.part.statusbar [id*="sentenceLens.status" i]');
  const quickInput = cs.page.locator('.quick-input-widget');
  const userSettings = (): Record<string, unknown> => JSON.parse(readFileSync(join(cs!.userDataDir, 'User', 'settings.json'), 'utf8'));

  await t.test('the status bar shows the model and device; a click opens the actions', async () => {
    await cs!.setCursor(2, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    assert.equal((await cs!.waitForDecoration(DECORATION, 120_000)).line, 2);
    // Ready: a check icon, the model folder's name and the device actually used.
    await item.locator('.codicon-check').waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await item.innerText()).trim(), /^model · (cpu|webgpu|cuda)$/);
    await item.click();
    await quickInput.waitFor({ state: 'visible' });
    const labels = (await quickInput.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts()).map((l) => l.trim());
    for (const want of ['Classify Sentence', 'Annotate Document', 'Clear Annotations', 'Select Device…', 'Show Log']) {
      assert.ok(labels.includes(want), `${want} in ${labels.join(', ')}`);
    }
    await cs!.screenshot('more-01-status-actions');
    await cs!.page.keyboard.press('Escape');
    await quickInput.waitFor({ state: 'hidden' });
  });

  await t.test('Clear Annotations removes the decorations', async () => {
    await cs!.runCommand('Sentence Lens: Annotate Document');
    await poll(async () => ((await decorations(cs!)).size === LINES.length ? true : undefined), 'every line annotated');
    await cs!.runCommand('Sentence Lens: Clear Annotations');
    await poll(async () => ((await cs!.decorationTexts()).length === 0 ? true : undefined), 'no decorations');
    await cs!.screenshot('more-02-cleared');
  });

  await t.test('auto-annotation decorates a typed sentence and keeps the others', async () => {
    await cs!.runCommand('Sentence Lens: Toggle Auto-Annotate');
    await cs!.waitForNotification(/auto-annotation on for .*plaintext/);
    assert.equal(userSettings()['sentenceLens.autoAnnotate'], true);
    // Turning it on annotates the open document.
    const before = await poll(async () => {
      const d = await decorations(cs!);
      return d.size === LINES.length ? d : undefined;
    }, 'the document auto-annotated');
    await cs!.setCursor(LINES.length + 1, 1);
    await cs!.page.keyboard.type(NEW_SENTENCE);
    const after = await poll(async () => {
      const d = await decorations(cs!);
      return d.has(LINES.length + 1) ? d : undefined;
    }, 'a decoration on the typed sentence');
    for (const [line, text] of before) assert.equal(after.get(line), text, `line ${line} keeps its decoration`);
    await cs!.screenshot('more-03-auto-annotate');
    await cs!.runCommand('Sentence Lens: Toggle Auto-Annotate');
    await cs!.waitForNotification(/auto-annotation off/);
    await cs!.clearNotifications();
  });

  await t.test('Copy Sentence Embedding puts a JSON array on the clipboard', async () => {
    await cs!.setCursor(1, 1);
    await cs!.runCommand('Sentence Lens: Copy Sentence Embedding');
    const message = await cs!.waitForNotification(/copied the \d+-dimension embedding/);
    const dim = Number(/copied the (\d+)-dimension/.exec(message)![1]);
    assert.match(message, /The soup was warm/);
    const clip = await poll(async () => {
      const text = await cs!.page.evaluate(() => navigator.clipboard.readText());
      return text.startsWith('[') ? text : undefined;
    }, 'the embedding on the clipboard', 10_000);
    const v: unknown = JSON.parse(clip);
    assert.ok(Array.isArray(v) && v.length === dim && v.every((x) => typeof x === 'number' && Number.isFinite(x)), clip.slice(0, 200));
    await cs!.clearNotifications();
  });

  await t.test('Select Device… switches to cpu and the status bar says so', async () => {
    await cs!.runCommand('Sentence Lens: Select Device…');
    await quickInput.waitFor({ state: 'visible' });
    assert.match(await quickInput.locator('.quick-input-box input').getAttribute('placeholder') ?? '', /^Now: auto \(running on \w+\)$/);
    const row = quickInput.locator('.quick-input-list .monaco-list-row').filter({ has: cs!.page.locator('.label-name', { hasText: /^\s*cpu\s*$/ }) }).first();
    await row.click();
    await quickInput.waitFor({ state: 'hidden' });
    await poll(async () => (userSettings()['sentenceLens.device'] === 'cpu' ? true : undefined), 'sentenceLens.device = cpu in the user settings');
    let shown = '';
    await poll(async () => {
      shown = `${(await item.innerHTML()).slice(0, 300)}`;
      return (await item.innerText()).trim() === 'model · cpu' && (await item.locator('.codicon-check').count()) === 1 ? true : undefined;
    }, 'the status bar to say cpu, ready', 20_000).catch(async (e) => {
      await cs!.screenshot('more-04-device-failure');
      throw new Error(`${(e as Error).message}; settings: ${JSON.stringify(userSettings())}; status bar item: ${shown}\n${cs!.extensionHostLog().slice(-3000)}`);
    });
    await cs!.screenshot('more-04-device-cpu');
    // The reload really happened on cpu: the model server says so.
    const log = cs!.extensionHostLog();
    assert.ok((log.match(/\] ready: .* on cpu in \d+ ms/g) ?? []).length >= 1, log);
  });
});
