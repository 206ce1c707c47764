// The model server's life as a user meets it, in a real VS Code (code-server via harness.ts):
// Restart Model Server, the stop after repeated crashes (and Restart bringing it back),
// cancelling Annotate Document, and Classify Sentence's limit on the selection's length.
// Screenshots go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { readBundledSentences } from '../../src/engine/model/generate.js';
import { MAX_SELECTION_CHARS } from '../../src/extension/limits.js';
import { documentSentences } from '../../src/text/sentences.js';
import { makeTestModel, writeModelWithHeads } from '../support/model-folder.js';
import { type CodeServer, e2eSkip, startCodeServer } from './harness.js';

const DECORATION = /^(food|sports|reading) \d+% · (positive|negative) \d+%$/;
const CHANNEL = 'Sentence Lens';
const LINES = ['The soup was warm and full of fresh vegetables.', 'Our team won the football match in extra time.'];

function vsixPath(): string {
  const p = resolve('dist/sentence-lens-linux-x64.vsix');
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run package (npm run test:e2e does)`);
  return p;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The one model server's pid, once there is exactly one. */
function oneServer(cs: CodeServer, other?: number): Promise<number> {
  return cs.poll(() => {
    const pids = cs.modelServerPids().filter((p) => p !== other);
    return pids.length === 1 ? pids[0] : undefined;
  }, other ? `a model server other than ${other}` : 'one model server', 60_000);
}

async function classifyLine(cs: CodeServer, line: number): Promise<void> {
  await cs.runCommand('Sentence Lens: Clear Annotations');
  await cs.waitForAnnotations((a) => a.length === 0, 'no annotations');
  await cs.setCursor(line, 1);
  await cs.runCommand('Sentence Lens: Classify Sentence');
  await cs.waitForAnnotations((a) => a.length === 1 && a[0]!.line === line && DECORATION.test(a[0]!.text), `an annotation on line ${line}`, 120_000);
}

test('Sentence Lens in code-server: restart, crash limit, cancelling, selection limit', { timeout: 900_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-life-'));
  const workspace = join(temp, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), `${LINES.join('\n')}\n`);
  // Long enough that annotating it takes a while on the slower model below.
  const bundled = await readBundledSentences();
  const long = Array.from({ length: 3000 }, (_, i) => `${bundled[i % bundled.length]} ${bundled[(i * 7 + 3) % bundled.length]}`);
  writeFileSync(join(workspace, 'long.txt'), `${long.join('\n')}\n`);
  // Over the selection limit: one character more than Classify Sentence takes.
  const filler = 'The bread was fresh and the soup was hot.\n';
  writeFileSync(join(workspace, 'huge.txt'), filler.repeat(Math.ceil((MAX_SELECTION_CHARS + 1) / filler.length)));
  const model = join(temp, 'model');
  await makeTestModel(model);
  // A wider, deeper model for the cancellation test: slow enough to cancel mid-way.
  const slow = join(temp, 'slow-model');
  await writeModelWithHeads(slow, { texts: bundled, seed: 4, config: { hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024 } });
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  cs = await startCodeServer({ workspace, vsix: vsixPath(), logLevel: 'debug', settings: { 'sentenceLens.model': model, 'sentenceLens.device': 'cpu' } });
  await cs.openFile('notes.txt');

  await t.test('Restart Model Server replaces the server process, which then answers', async () => {
    await classifyLine(cs!, 1);
    const before = await oneServer(cs!);
    await cs!.runCommand('Sentence Lens: Restart Model Server');
    const after = await oneServer(cs!, before);
    await cs!.poll(() => (alive(before) ? undefined : true), `the old server ${before} to exit`);
    await cs!.waitForStatusBarText('sentenceLens.status', (s) => s === 'model · cpu', 'the status bar to say ready on cpu');
    await classifyLine(cs!, 2);
    assert.deepEqual(cs!.modelServerPids(), [after]);
  });

  await t.test('after five crashes in a row the server is not restarted until Restart Model Server', async () => {
    let pid = await oneServer(cs!);
    for (let crash = 1; crash <= 5; crash++) {
      process.kill(pid, 'SIGKILL');
      if (crash < 5) pid = await oneServer(cs!, pid);
    }
    // Given up: said in the log, shown in the status bar, and no new process.
    await cs!.poll(() => (cs!.outputChannelLines(CHANNEL).some((l) => /restart failed: the model server crashed 5 times/.test(l)) ? true : undefined), 'the client to give up', 60_000);
    await cs!.waitForStatusBarText('sentenceLens.status', (s) => s.endsWith('· error'), 'the status bar to show the error');
    assert.deepEqual(cs!.modelServerPids(), []);
    await cs!.screenshot('life-01-gave-up');
    // A command says why and what to do.
    await cs!.setCursor(1, 1);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForNotification(/crashed 5 times .*Restart Model Server/);
    await cs!.clearNotifications();
    assert.deepEqual(cs!.modelServerPids(), []);
    await cs!.runCommand('Sentence Lens: Restart Model Server');
    await oneServer(cs!);
    await classifyLine(cs!, 2);
  });

  await t.test('cancelling Annotate Document stops the model server mid-way; it answers the next command', async () => {
    // The slower model, so that annotating takes a while.
    await cs!.runCommand('Sentence Lens: Select Model…');
    // The list is long (recommended models first) and virtualized: filter it, as a user would.
    await cs!.page.locator('.quick-input-widget .quick-input-box input').fill('Local model folder');
    await cs!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'Local model folder' }).first().click();
    await cs!.chooseInOpenDialog(slow);
    await cs!.openFile('long.txt');
    await cs!.waitForStatusBarText('sentenceLens.status', (s) => s === 'slow-model · cpu', 'the slower model loaded', 120_000);
    const sentences = documentSentences(readFileSync(join(workspace, 'long.txt'), 'utf8'), 'plaintext').length;
    const mark = cs!.outputChannelLines(CHANNEL).length;
    await cs!.runCommand('Sentence Lens: Annotate Document');
    // Mid-request once the server has reported a batch of it (the notification counts them);
    // cancelling earlier, while the prose worker reads, would leave no request to cancel.
    await cs!.waitForNotification(/annotating.*\b[1-9]\d* of \d+ sentences/, 120_000);
    await cs!.clickNotificationButton(/annotating/, 'Cancel');
    const since = () => cs!.outputChannelLines(CHANNEL).slice(mark);
    await cs!.poll(() => (since().some((l) => /classify failed .*cancelled/.test(l)) ? true : undefined), 'the server to log the cancelled request', 120_000);
    const classified = since().flatMap((l) => /classify: (\d+) sentence\(s\)/.exec(l)?.[1] ?? []).map(Number).reduce((a, b) => a + b, 0);
    assert.ok(classified < sentences, `the server classified ${classified} of ${sentences} sentences after the cancel`);
    assert.ok(!since().some((l) => /annotated \d+ sentences in/.test(l)), 'Annotate Document did not finish');
    assert.deepEqual((await cs!.notifications()).filter((n) => /error|failed/i.test(n)), [], 'a cancel is not an error');
    await cs!.screenshot('life-02-cancelled');
    await classifyLine(cs!, 2);
  });

  await t.test(`a selection over ${MAX_SELECTION_CHARS.toLocaleString('en')} characters is refused with the limit and the way out`, async () => {
    await cs!.openFile('huge.txt');
    const mark = cs!.outputChannelLines(CHANNEL).length;
    await cs!.selectAll();
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForNotification(new RegExp(`the selection has [\\d,]+ characters; Classify Sentence takes at most ${MAX_SELECTION_CHARS.toLocaleString('en')}\\. Use "Sentence Lens: Annotate Document"`));
    assert.ok(!cs!.outputChannelLines(CHANNEL).slice(mark).some((l) => /classify: /.test(l)), 'nothing was sent to the model server');
  });
});
