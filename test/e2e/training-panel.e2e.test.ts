// The training panel in a real VS Code (code-server 4.96, chromium), from the packaged .vsix:
// fine-tune a `mood` task (labels the shipped heads do not have) with a frozen backbone, watch it
// reach 100% with charts, metrics and a confusion matrix, put it to use and classify with it;
// Stop and Resume across a closed panel and a window reload; a malformed CSV's line-numbered
// error; the Explorer menu; the quick-pick "Train on CSV…" flow; adapting to the workspace's
// text first. Screenshots (light and dark)
// go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { makeTestModel } from '../support/model-folder.js';
import { type CodeServer, e2eSkip, poll, startCodeServer } from './harness.js';

const CALM = ['The lake was still this morning.', 'We drank tea by the window.', 'A slow walk in the park after lunch.', 'The cat slept in the warm sun.', 'Soft music played all evening.', 'The garden smells of rain.'];
const ANGRY = ['I am furious about the delay!', 'Stop shouting at me right now!', 'This is an outrage and I hate it.', 'They broke my car again!', 'I will not tolerate this insult.', 'The service was infuriating.'];

function vsixPath(): string {
  const file = resolve('dist', 'sentence-lens-linux-x64.vsix');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run package (npm run test:e2e does)`);
  return file;
}

/** Trainer processes started from this code-server's extensions folder. */
function trainerPids(extensionsDir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(extensionsDir) && l.includes('dist/trainer.js')).map((l) => Number(l.trim().split(/\s+/)[0]));
}

/** Picks an option of a @vscode-elements single select the way a user does: open it, click the option. */
async function choose(wv: FrameLocator, select: string, option: string | RegExp): Promise<void> {
  const el = wv.locator(select);
  await el.click();
  await el.getByRole('option', { name: option }).first().click();
}

async function waitForAttribute(wv: FrameLocator, selector: string, attr: string, ok: (v: string) => boolean, what: string, timeoutMs = 240_000): Promise<string> {
  let last: string | null = null;
  return poll(async () => {
    last = await wv.locator(selector).first().getAttribute(attr, { timeout: 5_000 }).catch(() => null);
    return last !== null && ok(last) ? last : undefined;
  }, what, timeoutMs, () => `${selector} ${attr}=${last}`);
}

async function chartPoints(wv: FrameLocator): Promise<Record<string, number>> {
  const pairs = await wv.locator('[data-chart]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-chart'), Number(e.getAttribute('data-points'))] as const));
  return Object.fromEntries(pairs);
}

/**
 * A palette command, tried again if its row does not show: right after the workbench loads, a
 * loaded machine may list the extension's contributed commands only a little later.
 */
async function command(cs: CodeServer, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await cs.runCommand(title, 20_000);
      return;
    } catch (e) {
      if (attempt >= 4) throw e;
      await cs.page.keyboard.press('Escape');
    }
  }
}

/** Clicks Start once it is enabled; returns the new run's id once the panel shows that run. */
async function startRun(wv: FrameLocator): Promise<string> {
  const runId = wv.locator('#run-id');
  const before = (await runId.count()) > 0 ? (await runId.innerText()).trim() : '';
  await wv.locator('#start:not([disabled])').waitFor({ timeout: 60_000 });
  await wv.locator('#start').click();
  return poll(async () => {
    const now = (await runId.count()) > 0 ? (await runId.innerText()).trim() : '';
    return now && now !== before ? now : undefined;
  }, 'the started run to show in the panel', 120_000);
}

/** Closes the training panel with its tab's close button. */
async function closePanel(cs: CodeServer): Promise<void> {
  const tab = cs.page.locator('.tabs-container .tab', { hasText: 'Sentence Lens: Training' }).first();
  await tab.hover();
  await tab.locator('.tab-actions .action-label').first().click();
  await tab.waitFor({ state: 'detached', timeout: 30_000 });
}

async function openPanel(cs: CodeServer): Promise<FrameLocator> {
  await command(cs, 'Sentence Lens: Open Training Panel');
  const wv = cs.webview();
  await wv.locator('#data').waitFor({ timeout: 60_000 });
  return wv;
}

/** The log of the extension (its LogOutputChannel file). */
function extensionLog(cs: CodeServer): string {
  return cs.extensionHostLog().split('\n').filter((l) => l.includes('training panel') || l.includes('trainer')).join('\n');
}

/** Runs a step; on failure saves a screenshot named after it before failing. */
async function step(cs: CodeServer, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    await cs.screenshot(`training-panel-FAILED-${name}`).catch(() => undefined);
    throw e;
  }
}

test('training panel in code-server', { timeout: 1_500_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-panel-'));
  const workspace = join(temp, 'workspace');
  const model = join(temp, 'model');
  mkdirSync(workspace);
  const rows = ['text,mood,notes'];
  for (let i = 0; i < 40; i++) rows.push(`${CALM[i % 6]} (${i}),calm,note ${i}`, `${ANGRY[i % 6]} (${i}),angry,remark ${i}`);
  writeFileSync(join(workspace, 'mood.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(workspace, 'bad.csv'), 'text,mood\nA quiet evening.,calm\nThis line has, one field too many,angry\nI am so cross!,angry\n');
  writeFileSync(join(workspace, 'notes.txt'), `${CALM[0]}\n${ANGRY[0]}\n`);
  // Unlabelled text of the workspace's domain, for adaptation.
  writeFileSync(join(workspace, 'domain.txt'), `${Array.from({ length: 30 }, (_, i) => `${CALM[i % 6]} ${ANGRY[(i + 1) % 6]}`).join('\n')}\n`);
  await makeTestModel(model);
  let cs: CodeServer | undefined;
  t.after(async () => {
    const dir = cs?.extensionsDir;
    await cs?.close();
    // Runs outlive the window on purpose; the test's must not outlive the test.
    for (const pid of dir ? trainerPids(dir) : []) process.kill(pid, 'SIGKILL');
    rmSync(temp, { recursive: true, force: true });
  });
  cs = await startCodeServer({ workspace, vsix: vsixPath(), settings: { 'sentenceLens.model': model, 'sentenceLens.device': 'cpu' } });
  await cs.openFile('notes.txt');

  await t.test('mood with a frozen backbone: train to 100%, use it, classify with it', () => step(cs!, 'mood-with-a-frozen-backbone-train-to-use', async () => {
    const wv = await openPanel(cs!);
    await choose(wv, 'vscode-single-select#csv', 'mood.csv');
    // The guess: text column and the mood task; the free-text notes column left out, and said so.
    await wv.locator('#excluded-columns', { hasText: "Column 'notes' is not guessed as a task" }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await wv.locator('.task').evaluateAll((els) => els.map((e) => e.getAttribute('data-task'))), ['mood']);
    await wv.locator('figure.counts[data-task="mood"]').waitFor();
    await wv.locator('vscode-radio[value="backbone"]').click();
    await waitForAttribute(wv, '[data-block="embeddings"]', 'data-trains', (v) => v === 'false', 'a frozen embeddings block');
    assert.equal(await wv.locator('[data-block="head mood"]').getAttribute('data-trains'), 'true');
    assert.equal(await wv.locator('.block.layer.trains').count(), 0, 'no encoder layer trains with the backbone frozen');
    await wv.locator('#f-epochs input').fill('40');
    await wv.locator('#f-lr input').fill('0.01');
    const runId = await startRun(wv);
    await waitForAttribute(wv, '#progress', 'data-state', (s) => s === 'completed', 'the run to complete');
    assert.equal(await wv.locator('#progress').getAttribute('data-percent'), '100');
    const points = await chartPoints(wv);
    for (const chart of ['chart-loss', 'chart-metrics', 'chart-lr']) assert.ok(points[chart]! > 0, `${chart} holds points: ${JSON.stringify(points)}`);
    const metrics = await wv.locator('#metrics-table tr[data-task="mood"] td').allInnerTexts();
    assert.match(metrics[2]!, /^\d+(\.\d)?%$/, `accuracy cell: ${metrics.join(' | ')}`);
    const cm = wv.locator('figure.confusion[data-task="mood"] table');
    assert.deepEqual(await cm.locator('thead th').allInnerTexts(), ['', 'angry', 'calm', 'recall']);
    const cells = (await cm.locator('td.cm').allInnerTexts()).map(Number);
    assert.equal(cells.length, 4);
    assert.equal(cells.reduce((a, b) => a + b, 0), 8, 'the confusion matrix counts the 8 validation rows');
    await wv.locator('#metrics').scrollIntoViewIfNeeded();
    await cs!.clearNotifications();
    await cs!.screenshot('training-panel-light-run');
    await wv.locator(`tr[data-run="${runId}"] vscode-button[data-action="use"]`).click();
    await wv.locator(`tr[data-run="${runId}"] .badge`, { hasText: 'in use' }).waitFor({ timeout: 120_000 });
    await cs!.openFile('notes.txt');
    await cs!.setCursor(2, 3);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    const deco = await cs!.waitForDecoration(/^(calm|angry) \d+%$/, 120_000);
    assert.equal(deco.line, 2);
    assert.doesNotMatch(extensionLog(cs!), /Content-Security-Policy violation|page error|ignored message/);
  }));

  await t.test('Stop mid-run, close and reopen the panel, reload the window, Resume to the end', () => step(cs!, 'stop-mid-run-close-and-reopen-the-panel-', async () => {
    let wv = await openPanel(cs!);
    await choose(wv, 'vscode-single-select#csv', 'mood.csv');
    await wv.locator('.task[data-task="mood"]').waitFor({ timeout: 60_000 });
    await wv.locator('vscode-radio[value="none"]').click();
    await wv.locator('#f-maxSteps input').fill('800');
    await wv.locator('#f-batchSize input').fill('4');
    const runId = await startRun(wv);
    await waitForAttribute(wv, '#progress', 'data-percent', (p) => Number(p) >= 1, 'training progress');
    // Closed, the panel lets the run go on; the status bar shows it.
    await closePanel(cs!);
    await cs!.page.locator('#status\\.sentenceLens\\.status', { hasText: /training \d+%/ }).or(cs!.page.locator('.statusbar-item', { hasText: /training \d+%/ })).first().waitFor({ timeout: 60_000 });
    wv = await openPanel(cs!);
    await waitForAttribute(wv, '#progress', 'data-percent', (p) => Number(p) >= 1, 'the re-attached run');
    assert.equal((await wv.locator('#run-id').innerText()).trim(), runId, 'the reopened panel shows the running run');
    // Stopped at once (on a quiet machine the whole run takes seconds); its history is checked after.
    await wv.locator('#stop').click();
    await waitForAttribute(wv, '#progress', 'data-state', (s) => s === 'cancelled', 'the stopped run');
    await waitForAttribute(wv, '[data-chart="chart-loss"]', 'data-points', (p) => Number(p) > 0, 'the redrawn loss history');
    const stoppedAt = Number(await wv.locator('#progress').getAttribute('data-percent'));
    assert.ok(stoppedAt < 100, `stopped at ${stoppedAt}%`);
    assert.ok(existsSync(join(workspace, '.sentence-lens', 'runs', runId, 'last', 'training_state.json')), 'Stop saved last');
    // A window reload: the serializer revives the panel on the same run, history and all.
    await cs!.reloadWindow();
    wv = cs!.webview();
    await wv.locator('#run-id', { hasText: runId }).waitFor({ timeout: 120_000 });
    await waitForAttribute(wv, '#progress', 'data-state', (s) => s === 'cancelled', 'the revived stopped run');
    await wv.locator('#resume').click();
    await waitForAttribute(wv, '#progress', 'data-state', (s) => s === 'completed', 'the resumed run to complete', 600_000);
    assert.equal(await wv.locator('#progress').getAttribute('data-percent'), '100');
    // The runs list follows run.json, which the trainer rewrites just after logging the end.
    await waitForAttribute(wv, `tr[data-run="${runId}"]`, 'data-status', (s) => s === 'completed', 'the runs list to show the run completed');
    await closePanel(cs!);
  }));

  await t.test('a malformed CSV from the Explorer menu shows its line-numbered error, which opens the file there', () => step(cs!, 'a-malformed-csv-from-the-explorer-menu-s', async () => {
    const row = cs!.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'bad.csv' }).first();
    await row.click({ button: 'right' });
    await cs!.clickMenuItem('Train Sentence Lens on This CSV');
    const wv = cs!.webview();
    const box = wv.locator('#data .error-box');
    await box.waitFor({ timeout: 60_000 });
    assert.equal((await box.locator('a.location').innerText()).trim(), 'bad.csv:3:3');
    assert.match(await box.locator('.message').innerText(), /found 3 fields, expected 2/);
    assert.equal(await wv.locator('#start').getAttribute('disabled'), '');
    await box.locator('a.location').click();
    await cs!.waitForCursor((p) => p.line === 3, 'line 3', 30_000);
    await command(cs!, 'View: Close All Editors');
  }));

  await t.test('Train on CSV… from the palette: CSV, freeze policy, progress notification, Use for Annotations', () => step(cs!, 'train-on-csv-from-the-palette-csv-freeze', async () => {
    await command(cs!, 'Sentence Lens: Train on CSV…');
    const pick = cs!.page.locator('.quick-input-widget');
    await pick.locator('.monaco-list-row', { hasText: 'mood.csv' }).first().click();
    await pick.locator('.monaco-list-row', { hasText: 'Freeze the backbone (heads only)' }).first().click();
    const text = await cs!.waitForNotification(/training on mood\.csv finished \(completed\)/, 300_000);
    assert.match(text, /mood accuracy \d+%/);
    await cs!.clickNotificationButton(/training on mood\.csv finished/, 'Use for Annotations');
    await cs!.openFile('notes.txt');
    await cs!.setCursor(1, 3);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForDecoration(/^(calm|angry) \d+%$/, 120_000);
  }));

  await t.test("adapt to this workspace's text first: pick the text, the run adapts (masked-LM), then fine-tunes to the end", () => step(cs!, 'adapt-to-this-workspace-text-first', async () => {
    const wv = await openPanel(cs!);
    await choose(wv, 'vscode-single-select#csv', 'mood.csv');
    await wv.locator('.task[data-task="mood"]').waitFor({ timeout: 60_000 });
    await wv.locator('vscode-radio[value="backbone"]').click();
    await wv.locator('#adapt-first').click();
    // On with nothing chosen: the engine's own message under the list, and no Start.
    await wv.locator('#adapt [data-field="adaptPaths"]', { hasText: 'adapt needs one or more text files' }).waitFor({ timeout: 60_000 });
    await wv.locator('#adapt-add-files').click();
    await cs!.chooseInOpenDialog(join(workspace, 'domain.txt'));
    await wv.locator('#adapt-paths li[data-path$="domain.txt"]').waitFor({ timeout: 30_000 });
    await wv.locator('#adapt [data-field="adaptPaths"]').waitFor({ state: 'detached', timeout: 30_000 });
    await wv.locator('#f-maxSteps input').fill('6');
    await wv.locator('#adapt').scrollIntoViewIfNeeded();
    await cs!.clearNotifications();
    await cs!.screenshot('training-panel-adapt');
    const runId = await startRun(wv);
    await waitForAttribute(wv, '#progress', 'data-state', (s) => s === 'completed', 'the adapted run to complete');
    const status = wv.locator('#adapt-status');
    const [done, total] = [Number(await status.getAttribute('data-step')), Number(await status.getAttribute('data-total'))];
    assert.ok(total > 0 && done === total, `adaptation ran to its last step: ${done}/${total}`);
    assert.match(await status.innerText(), /Adapted to the workspace's text first \(masked-LM\): \d+\/\d+ steps/);
    const adaptChart = wv.locator('figure[data-chart="chart-adapt"]');
    assert.ok(Number(await adaptChart.getAttribute('data-points')) >= 1, "the adaptation's masked-LM loss is charted");
    await adaptChart.locator('canvas').waitFor({ timeout: 30_000 });
    assert.ok(existsSync(join(workspace, '.sentence-lens', 'runs', runId, 'adapt', 'best', 'model.safetensors')), 'the adapted checkpoint');
    await wv.locator(`tr[data-run="${runId}"] td`, { hasText: 'adapt: 1 file · 1 epoch' }).waitFor({ timeout: 30_000 });
    // The next run starts without adaptation unless asked again.
    await wv.locator('#adapt-first').click();
    await closePanel(cs!);
  }));

  await t.test('dark theme screenshot', () => step(cs!, 'dark-theme-screenshot', async () => {
    await command(cs!, 'View: Close All Editors');
    await command(cs!, 'Preferences: Color Theme');
    await cs!.page.locator('.quick-input-widget .quick-input-box input').fill('Dark Modern');
    await cs!.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().click();
    await cs!.page.locator('body.vs-dark, .monaco-workbench.vs-dark').first().waitFor({ timeout: 30_000 });
    const wv = await openPanel(cs!);
    await wv.locator('#model-picture[data-trainable]').waitFor({ timeout: 60_000 });
    // Embeddings and layer 0 frozen, the rest training: the picture shows both shadings.
    await wv.locator('vscode-radio[value="bottom"]').click();
    await wv.locator('#f-bottom input').fill('1');
    await waitForAttribute(wv, '[data-block="layer 0"]', 'data-trains', (v) => v === 'false', 'layer 0 frozen');
    assert.equal(await wv.locator('[data-block="layer 1"]').getAttribute('data-trains'), 'true');
    await wv.locator('#freeze').scrollIntoViewIfNeeded();
    await cs!.clearNotifications();
    await cs!.screenshot('training-panel-dark-freeze');
  }));

  const runs = readdirSync(join(workspace, '.sentence-lens', 'runs'));
  assert.equal(runs.length, 4, `four runs saved: ${runs.join(', ')}`);
});
