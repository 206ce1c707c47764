// Sentence Lens in a real VS Code (code-server 4.96 via test/e2e/harness.ts): the packaged .vsix
// (npm run package), a generated model through the sentenceLens.model setting (no network),
// context-menu Classify Sentence, Annotate Document, a killed model server, Find Similar
// Sentences, and no server process left after the workbench closes. Screenshots go to
// test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { makeTestModel } from '../support/model-folder.js';
import { type AnnotationText, type CodeServer, e2eSkip, poll, startCodeServer } from './harness.js';

const DECORATION = /^(food|sports|reading) \d+% · (positive|negative) \d+%$/;
const LINES = [
  'The soup was warm and full of fresh vegetables.',
  'Our team won the football match in extra time.',
  'She reads a novel every week on the train.',
  'The referee showed him a red card.',
  'The soup was warm and full of fresh vegetables.',
];

function vsixPath(): string {
  const dist = resolve('dist');
  const found = existsSync(dist) ? readdirSync(dist).filter((f) => /^sentence-lens-linux-x64\.vsix$/.test(f)) : [];
  if (found.length === 0) throw new Error('dist/sentence-lens-linux-x64.vsix is missing: run npm run package (npm run test:e2e does)');
  return join(dist, found[0]!);
}

/** The annotations are ours, well formed, and on exactly these lines. */
function sameLines(annotations: AnnotationText[], lines: number[]): boolean {
  const ours = annotations.filter((a) => DECORATION.test(a.text)).map((a) => a.line);
  return ours.length === annotations.length && JSON.stringify(ours) === JSON.stringify(lines);
}

test('Sentence Lens in code-server', { timeout: 900_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-ext-'));
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

  cs = await startCodeServer({ workspace, vsix: vsixPath(), settings: { 'sentenceLens.model': model, 'sentenceLens.device': 'cpu' } });
  await cs.openFile('notes.txt');
  assert.deepEqual(cs.modelServerPids(), [], 'no model server before the first command');

  await t.test('context menu → Classify Sentence decorates the selected sentence', async () => {
    await cs!.selectLines(2);
    await cs!.contextMenu();
    const items = await cs!.menuItems();
    assert.ok(items.includes('Classify Sentence') && items.includes('Annotate Document'), items.join(', '));
    await cs!.clickMenuItem('Classify Sentence');
    await cs!.waitForAnnotations((a) => sameLines(a, [2]), 'an annotation on line 2 only', 120_000);
    await cs!.screenshot('ext-01-classify');
    const hover = await cs!.hover('football');
    assert.match(hover, /Probability/);
    assert.match(hover, /sentiment/);
    await cs!.screenshot('ext-02-hover');
  });

  await t.test('Annotate Document decorates every sentence', async () => {
    await cs!.runCommand('Sentence Lens: Annotate Document');
    await cs!.waitForAnnotations((a) => sameLines(a, [1, 2, 3, 4, 5]), 'an annotation on every line');
    await cs!.screenshot('ext-03-annotate');
  });

  await t.test('a killed model server is restarted and the next Classify succeeds', async () => {
    const [pid] = cs!.modelServerPids();
    assert.ok(pid, 'the model server runs');
    process.kill(pid, 'SIGKILL');
    await cs!.runCommand('Sentence Lens: Clear Annotations');
    await cs!.selectLines(3);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForAnnotations((a) => sameLines(a, [3]), 'an annotation on line 3 only', 120_000);
    const now = cs!.modelServerPids();
    assert.ok(now.length === 1 && now[0] !== pid, `servers now: ${now.join(', ')}`);
    await cs!.screenshot('ext-04-after-kill');
  });

  await t.test('a selection of several sentences classifies each of them, and only them', async () => {
    await cs!.runCommand('Sentence Lens: Clear Annotations');
    await cs!.waitForAnnotations((a) => a.length === 0, 'no annotations');
    await cs!.selectLines(2, 4);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForAnnotations((a) => sameLines(a, [2, 3, 4]), 'annotations on lines 2, 3 and 4 only');
  });

  await t.test('Find Similar Sentences ranks the identical sentence first', async () => {
    await cs!.selectLines(1);
    await cs!.runCommand('Sentence Lens: Find Similar Sentences');
    const first = cs!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await first.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await first.innerText()).replace(/\s+/g, ' '), /^The soup was warm and full of fresh vegetables\.\s*1\.000\s*line 5$/);
    await cs!.screenshot('ext-05-similar');
    await cs!.page.keyboard.press('Enter');
    // The editor moved to the chosen sentence and selected it (line 5, all 47 characters).
    const sentence = LINES[4]!;
    await cs!.waitForCursor((p) => p.line === 5 && p.column === sentence.length + 1 && p.selected === sentence.length, `"${sentence}" selected on line 5`);
  });

  await t.test('closing the workbench leaves no model server behind', async () => {
    const server = cs!;
    assert.equal(server.modelServerPids().length, 1);
    await server.close();
    await poll(() => server.modelServerPids().length === 0 || undefined, 'the model server to exit', 20_000);
  });
});
