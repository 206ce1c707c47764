// Teach in place in a real VS Code (code-server via test/e2e/harness.ts), with the bundled offline
// model: annotate a document, correct one sentence's sentiment from the hover's "Label sentiment
// as…" link, see its annotation change once the heads have retrained (polled, no fixed sleep),
// find the row in .sentence-lens/labels.csv, list sentences with Review Uncertain Sentences in
// margin order, offer "Correct label" as a code action, and undo the label.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { type CodeServer, e2eSkip, poll as harnessPoll, startCodeServer } from './harness.js';

// Sentences with the sentiment a person would give them; the test corrects the first one the
// model gets wrong (the bundled offline model gets several of these wrong).
const LINES: readonly (readonly [string, 'positive' | 'negative'])[] = [
  ['The soup was warm and full of fresh vegetables.', 'positive'],
  ['The crowd sang for ninety minutes without a pause.', 'positive'],
  ['She reads a novel every week on the train.', 'positive'],
  ['The umpire kept the players waiting in the drizzle for an hour.', 'negative'],
  ['The margins of this library copy are full of rude scribbles.', 'negative'],
  ['That audiobook narrator could make a phone book gripping.', 'positive'],
  ['Our goalkeeper let in four soft goals before half time.', 'negative'],
  ['The relay team dropped the baton on the final bend.', 'negative'],
  // Praise said by negating the bad (the rebuilt offline model reads it as negative).
  ['Not bad at all for a rainy Tuesday.', 'positive'],
];
const DECORATION = /^(\S+) \d+% · (positive|negative) \d+%$/;

function vsixPath(): string {
  const dist = resolve('dist');
  const found = existsSync(dist) ? readdirSync(dist).filter((f) => /^sentence-lens-linux-x64\.vsix$/.test(f)) : [];
  if (found.length === 0) throw new Error('dist/sentence-lens-linux-x64.vsix is missing: run npm run package (npm run test:e2e does)');
  return join(dist, found[0]!);
}

/** The harness's poll, with `false` also meaning "not yet" and this file's default wait. */
const poll = <T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 120_000): Promise<T> =>
  harnessPoll(async () => (await fn()) || undefined, what, ms);

test('teach in place in code-server', { timeout: 900_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-teach-'));
  const workspace = join(temp, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), `${LINES.map((l) => l[0]).join('\n')}\n`);
  const labelsFile = join(workspace, '.sentence-lens', 'labels.csv');
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });
  // The default model setting: the offline model shipped in the extension.
  cs = await startCodeServer({ workspace, vsix: vsixPath(), settings: { 'sentenceLens.device': 'cpu' } });
  await cs.openFile('notes.txt');
  let target = { line: 0, sentence: '', want: '', was: '' };
  const sentimentOf = async (line: number) => (await cs!.decorationTexts()).find((d) => d.line === line && DECORATION.test(d.text))?.text.match(DECORATION)?.[2];

  await t.test('correcting a sentiment from the hover retrains the heads and the annotation follows', async () => {
    await cs!.runCommand('Sentence Lens: Annotate Document');
    await poll(async () => (await cs!.decorationTexts()).filter((d) => DECORATION.test(d.text)).length === LINES.length, 'every line annotated');
    const predicted = await Promise.all(LINES.map((_, i) => sentimentOf(i + 1)));
    const i = LINES.findIndex((l, k) => predicted[k] !== l[1]);
    assert.ok(i >= 0, `the model gets every sentiment here right (${predicted.join(', ')}); add a sentence it gets wrong`);
    target = { line: i + 1, sentence: LINES[i]![0], want: LINES[i]![1], was: predicted[i]! };
    // Hover a few words from the middle of the sentence.
    const hover = await cs!.hover(target.sentence.split(' ').slice(1, 4).join(' '));
    assert.match(hover, /Label topic as…/);
    assert.match(hover, /Label sentiment as…/);
    await cs!.screenshot('teach-01-hover');
    await cs!.page.locator('.monaco-hover:not(.hidden) a', { hasText: 'Label sentiment as…' }).first().click();
    const widget = cs!.page.locator('.quick-input-widget');
    const choice = widget.locator('.quick-input-list .monaco-list-row').filter({ has: cs!.page.locator('.label-name', { hasText: new RegExp(`^\\s*${target.want}\\s*$`) }) }).first();
    await choice.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await widget.locator('.quick-input-list').innerText(), /current prediction/);
    await cs!.screenshot('teach-02-label-as');
    await choice.click();
    await poll(async () => (await sentimentOf(target.line)) === target.want, 'the corrected annotation');
    await cs!.screenshot('teach-03-corrected');
    assert.equal(readFileSync(labelsFile, 'utf8'), `sentence,sentiment\n${target.sentence},${target.want}\n`);
    const status = cs!.page.locator('.part.statusbar', { hasText: /your labels: 1 · ready/ });
    await status.waitFor({ state: 'visible', timeout: 30_000 });
  });

  await t.test('Review Uncertain Sentences lists the sentences least certain first, the labelled one marked', async () => {
    await cs!.runCommand('Sentence Lens: Review Uncertain Sentences');
    const rows = cs!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 60_000 });
    await cs!.screenshot('teach-04-review');
    // Rows of the first task (topic): each description reads "margin M% · a P% / b Q%".
    const texts = await poll(async () => {
      const all = (await rows.allInnerTexts()).map((x) => x.replace(/\s+/g, ' '));
      return all.filter((x) => /margin \d+%/.test(x)).length >= LINES.length ? all : undefined;
    }, 'the review list');
    const topic = texts.filter((x) => /margin \d+%/.test(x)).slice(0, LINES.length);
    const parsed = topic.map((x) => {
      const m = x.match(/margin (\d+)% · \S+ (\d+)% \/ \S+ (\d+)%/)!;
      return { margin: Number(m[1]), p1: Number(m[2]), p2: Number(m[3]) };
    });
    for (const p of parsed) assert.ok(Math.abs(p.margin - (p.p1 - p.p2)) <= 1, `margin ${p.margin} is top-1 ${p.p1} minus top-2 ${p.p2}`);
    assert.deepEqual(parsed.map((p) => p.margin), [...parsed.map((p) => p.margin)].sort((a, b) => a - b), 'least certain first');
    // Filter the list to the labelled sentence: its row in the sentiment section is marked.
    await cs!.page.locator('.quick-input-widget .quick-input-box input').fill(target.sentence.slice(0, 30));
    await poll(async () => (await rows.allInnerTexts()).some((x) => x.includes(`labelled ${target.want}`)), 'the labelled sentence marked');
    await cs!.page.keyboard.press('Escape');
  });

  await t.test('the lightbulb offers "Sentence Lens: Correct label" on an annotated sentence', async () => {
    await cs!.setCursor(3, 5);
    await cs!.page.keyboard.press('Control+.');
    const item = cs!.page.getByText('Sentence Lens: Correct label').first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await cs!.screenshot('teach-05-code-action');
    await cs!.page.keyboard.press('Escape');
  });

  await t.test('Undo Last Label removes the row and the model answers as before', async () => {
    await cs!.runCommand('Sentence Lens: Undo Last Label');
    await poll(() => readFileSync(labelsFile, 'utf8') === 'sentence,sentiment\n', 'the row to go');
    await poll(async () => (await sentimentOf(target.line)) === target.was, 'the annotation to return');
  });
});
