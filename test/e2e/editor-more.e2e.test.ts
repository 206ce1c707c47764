// More of Sentence Lens in a real VS Code (code-server via test/e2e/harness.ts), on a generated test
// model: the status bar item (model, device, click → actions), Clear Annotations, auto-annotation
// of an edited sentence (counted by the model server), autoAnnotateLanguages, Copy Sentence
// Embedding (clipboard) and Select Device… (cpu → webgpu). Screenshots go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { makeTestModel } from '../support/model-folder.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import { type CodeServer, e2eSkip, startCodeServer, poll as sharedPoll } from './harness.js';

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

/** The harness's poll, with this file's default wait. */
const poll = <T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> => sharedPoll(fn, what, ms);

/** Classified lines → annotation text. */
async function decorations(cs: CodeServer): Promise<Map<number, string>> {
  const all = await cs.annotations();
  return new Map(all.filter((d) => DECORATION.test(d.text)).map((d) => [d.line, d.text]));
}

const CHANNEL = 'Sentence Lens';

/** Sentences the model server classified, from its debug lines in the channel log (after line `from`). */
function classifiedSince(cs: CodeServer, from: number): number[] {
  return cs.outputChannelLines(CHANNEL).slice(from).flatMap((l) => {
    const m = /classify: (\d+) sentence\(s\)/.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

test('Sentence Lens in code-server: status bar, clear, auto-annotate, embedding, device', { timeout: 600_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-more-'));
  const workspace = join(temp, 'workspace');
  const model = join(temp, 'model');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), `${LINES.join('\n')}\n`);
  writeFileSync(join(workspace, 'notes.md'), `${LINES[0]}\n\n`);
  await makeTestModel(model);
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  // The model is set in User settings only: it must survive the settings write that Toggle
  // Auto-Annotate makes (with a machine-overridable scope, code-server lost it at that point).
  const userDataDir = join(temp, 'user-data');
  // device cpu: Select Device… later switches it to webgpu. Debug logging: the model server's
  // per-request counts (test: auto-annotation re-classifies only the edited sentence).
  cs = await startCodeServer({ workspace, userDataDir, vsix: vsixPath(), logLevel: 'debug', settings: { 'sentenceLens.model': model, 'sentenceLens.device': 'cpu' } });
  await cs.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cs.url });
  await cs.openFile('notes.txt');
  const item = cs.page.locator('.part.statusbar [id*="sentenceLens.status" i]');
  const quickInput = cs.page.locator('.quick-input-widget');
  const userSettings = (): Record<string, unknown> => JSON.parse(readFileSync(join(cs!.userDataDir, 'User', 'settings.json'), 'utf8'));

  await t.test('the status bar shows the model and device; a click opens the actions', async () => {
    await cs!.setCursor(2, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForAnnotations((a) => a.length === 1 && a[0]!.line === 2 && DECORATION.test(a[0]!.text), 'an annotation on line 2', 120_000);
    // Ready: a check icon, the model folder's name and the device actually used.
    await item.locator('.codicon-check').waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal((await item.innerText()).trim(), 'model · cpu');
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
    await cs!.waitForAnnotations((a) => a.length === 0, 'no annotations');
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
    const mark = cs!.outputChannelLines(CHANNEL).length;
    // One edit (as a paste would be): one auto-annotation after the pause.
    await cs!.page.keyboard.insertText(NEW_SENTENCE);
    const after = await poll(async () => {
      const d = await decorations(cs!);
      return d.has(LINES.length + 1) ? d : undefined;
    }, 'a decoration on the typed sentence');
    for (const [line, text] of before) assert.equal(after.get(line), text, `line ${line} keeps its decoration`);
    // The server classified the new sentence and nothing else.
    assert.deepEqual(classifiedSince(cs!, mark), [1], cs!.outputChannelLines(CHANNEL).slice(mark).join('\n'));
    await cs!.screenshot('more-03-auto-annotate');
    await cs!.runCommand('Sentence Lens: Toggle Auto-Annotate');
    await cs!.waitForNotification(/auto-annotation off/);
    await cs!.clearNotifications();
  });

  await t.test('autoAnnotateLanguages: a markdown document is auto-annotated, a plain-text one is not', async () => {
    const settings = userSettings();
    writeFileSync(join(cs!.userDataDir, 'User', 'settings.json'), JSON.stringify({ ...settings, 'sentenceLens.autoAnnotateLanguages': ['markdown'] }, null, 2));
    await cs!.runCommand('Sentence Lens: Toggle Auto-Annotate');
    await cs!.waitForNotification(/auto-annotation on for markdown \(/);
    await cs!.clearNotifications();
    const mark = cs!.outputChannelLines(CHANNEL).length;
    // Plain text first: had it been annotated, its pause would have ended before the markdown one's.
    await cs!.setCursor(LINES.length + 1, NEW_SENTENCE.length + 1);
    await cs!.page.keyboard.press('Enter');
    await cs!.page.keyboard.insertText('The library opens at nine.');
    await cs!.openFile('notes.md');
    await cs!.setCursor(3, 1);
    await cs!.page.keyboard.insertText('The stadium was full.');
    await cs!.waitForAnnotations((a) => a.filter((x) => DECORATION.test(x.text)).length === 2, 'both markdown sentences annotated');
    const auto = cs!.outputChannelLines(CHANNEL).slice(mark).filter((l) => /auto-annotated/.test(l));
    assert.ok(auto.length > 0 && auto.every((l) => l.includes('notes.md')), auto.join('\n'));
    assert.equal(classifiedSince(cs!, mark).reduce((a, b) => a + b, 0), 2, 'only the two markdown sentences were classified');
    await cs!.openFile('notes.txt');
    assert.equal((await decorations(cs!)).has(LINES.length + 2), false, 'the plain-text sentence typed meanwhile has no annotation');
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

  await t.test('Select Device… switches from cpu to webgpu: the server reloads there and the status bar says so', async (st) => {
    const why = await webgpuUnavailableReason();
    if (why) {
      // CI installs lavapipe (a software WebGPU adapter): there this is a failure.
      if (process.env['CI']) throw new Error(`WebGPU is required on CI but ${why}`);
      st.skip(`no WebGPU here: ${why}`);
      return;
    }
    const ready = (from: number) => cs!.outputChannelLines(CHANNEL).slice(from).filter((l) => /\] ready: .* on \w+( \(software adapter\))? in \d+ ms/.test(l));
    assert.equal((await item.innerText()).trim(), 'model · cpu');
    const mark = cs!.outputChannelLines(CHANNEL).length;
    await cs!.runCommand('Sentence Lens: Select Device…');
    await quickInput.waitFor({ state: 'visible' });
    assert.equal(await quickInput.locator('.quick-input-box input').getAttribute('placeholder'), 'Now: cpu (running on cpu)');
    const row = quickInput.locator('.quick-input-list .monaco-list-row').filter({ has: cs!.page.locator('.label-name', { hasText: /^\s*webgpu\s*$/ }) }).first();
    await row.click();
    await quickInput.waitFor({ state: 'hidden' });
    await poll(async () => (userSettings()['sentenceLens.device'] === 'webgpu' ? true : undefined), 'sentenceLens.device = webgpu in the user settings');
    await cs!.waitForStatusBarText('sentenceLens.status', (t) => /^model · webgpu( \(software\))?$/.test(t), 'the status bar to say webgpu (software: lavapipe)', 120_000);
    assert.equal(await item.locator('.codicon-check').count(), 1, 'ready');
    await cs!.screenshot('more-04-device-webgpu');
    // The model server reloaded the model on webgpu after the switch.
    const lines = ready(mark);
    assert.ok(lines.length >= 1 && lines.every((l) => / on webgpu( \(software adapter\))? in /.test(l)), lines.join('\n'));
    // And it answers there.
    await cs!.runCommand('Sentence Lens: Clear Annotations');
    await cs!.setCursor(1, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForAnnotations((a) => a.some((x) => x.line === 1 && DECORATION.test(x.text)), 'an annotation on line 1 from webgpu', 120_000);
  });
});
