// The editor as a new user meets it (issue 11), in a real VS Code (code-server via
// test/e2e/harness.ts) on the packaged .vsix: labels that never hide text with word wrap on,
// Markdown read as Markdown, sentences with abbreviations, `?` for unfamiliar words, a
// multi-sentence selection revealing its last label, `auto` measured (a software WebGPU adapter
// never wins; "webgpu (software)" in the status bar), a failed hub download followed by the
// offline model, and after a reload: auto-annotation, a decorationFormat placeholder refused by name.
// Screenshots go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { webgpuAdapterKind } from '../../src/engine/runtime/adapter.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import { documentSentences } from '../../src/text/sentences.js';
import { makeTestModel } from '../support/model-folder.js';
import { EVERY_CONSTRUCT, repeated } from '../support/prose-fixtures.js';
import { type CodeServer, type DecorationText, e2eSkip, startCodeServer, poll as sharedPoll } from './harness.js';

const LABEL = /^(food|sports|reading) \d+% · (positive|negative) \d+%$/;
const SENTENCES = [
  'The soup was warm and full of fresh vegetables.',
  'Our team won the football match in extra time.',
  'She reads a novel every week on the train.',
  'The referee showed him a red card.',
];
const LAST_WORD = 'zebras';
// One line of 60 classified sentences, the last ending in a word to look for.
const LONG_LINE = [...Array.from({ length: 59 }, (_, i) => SENTENCES[i % SENTENCES.length]!), `The story ended with ${LAST_WORD}.`].join(' ');
const MARKDOWN = `---
title: Front matter is not prose.
---
# A heading about great food

The soup was warm and full of fresh vegetables. Dr. Smith ate 3.5 kg of pasta.

- Our team won the football match in extra time.
- She reads a **novel** every week on the [train](https://example.com/trains/a-long-url).

> The referee showed him a red card.

\`\`\`js
const notProse = "The soup was cold. We lost.";
\`\`\`

| The soup was cold. | We lost. |
|---|---|
| A table cell. | Another one. |

<div>The html block is not prose.</div>

[ref]: https://example.com/reference "Not prose either."

Run \`npm test\` before the match starts.
`;
const UNFAMILIAR = '我们喜欢吃面条，天气很好。';
/** ~60 k characters of Markdown with every construct, read by the prose worker, not the extension host. */
const LARGE_MARKDOWN = `${EVERY_CONSTRUCT}\n${repeated(EVERY_CONSTRUCT, 55)}`;

function vsixPath(): string {
  const p = resolve('dist/sentence-lens-linux-x64.vsix');
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run package (npm run test:e2e does)`);
  return p;
}

/** The harness's poll, with this file's default wait. */
const poll = <T>(fn: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> => sharedPoll(fn, what, ms);

/** Labels of the active editor (inlay hints), as [line, text]. */
async function labels(cs: CodeServer): Promise<DecorationText[]> {
  return (await cs.decorationTexts()).filter((d) => d.where === 'inlay');
}

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, needle);
  return i + 1;
}

/** The box of `needle` in the active editor and of the editor's text area. */
async function boxes(cs: CodeServer, needle: string) {
  return cs.activeEditor().evaluate((ed, n) => {
    const area = ed.querySelector('.monaco-scrollable-element.editor-scrollable')!.getBoundingClientRect();
    for (const line of ed.querySelectorAll('.view-lines .view-line')) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const i = (t.textContent ?? '').replace(/\u00a0/g, ' ').indexOf(n);
        if (i < 0) continue;
        const r = document.createRange();
        r.setStart(t, i);
        r.setEnd(t, i + n.length);
        const b = r.getBoundingClientRect();
        return { word: { left: b.left, right: b.right, top: b.top, bottom: b.bottom }, area: { left: area.left, right: area.right, top: area.top, bottom: area.bottom } };
      }
    }
    return undefined;
  }, needle);
}

/** The first and last document lines (1-based) the active editor renders now. */
async function renderedLines(cs: CodeServer): Promise<[number, number]> {
  const lines = await cs.activeEditor().evaluate((ed) => [...(globalThis as unknown as { __slViewLineNumbers: (ed: Element) => Map<Element, number> }).__slViewLineNumbers(ed).values()]);
  return [Math.min(...lines), Math.max(...lines)];
}

/** A stand-in Hugging Face hub that answers every request with 500, counting them. */
async function failingHub(): Promise<{ endpoint: string; requests: () => number; close: () => void }> {
  let n = 0;
  const server: Server = createServer((_req, res) => {
    n++;
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n, close: () => server.close() };
}

test('the editor as a new user meets it', { timeout: 1_200_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-reading-'));
  const workspace = join(temp, 'workspace');
  const model = join(temp, 'model');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'long.txt'), `${LONG_LINE}\n`);
  writeFileSync(join(workspace, 'reading.md'), MARKDOWN);
  writeFileSync(join(workspace, 'large.md'), LARGE_MARKDOWN);
  writeFileSync(join(workspace, 'unfamiliar.txt'), `${SENTENCES[0]}\n${UNFAMILIAR}\n`);
  writeFileSync(join(workspace, 'many.txt'), `${Array.from({ length: 120 }, (_, i) => `${SENTENCES[i % SENTENCES.length]!.slice(0, -1)} number ${i}.`).join('\n')}\n`);
  await makeTestModel(model);
  const hub = await failingHub();
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    hub.close();
    rmSync(temp, { recursive: true, force: true });
  });
  cs = await startCodeServer({
    workspace,
    vsix: vsixPath(),
    settings: { 'sentenceLens.model': model, 'sentenceLens.device': 'auto', 'editor.wordWrap': 'on' },
    // The device measurements go to a fresh cache; hub downloads to the failing stand-in.
    env: { SENTENCE_LENS_CACHE: join(temp, 'sl-cache'), HF_ENDPOINT: hub.endpoint, HF_HOME: join(temp, 'hf-home') },
  });
  const item = cs.page.locator('.part.statusbar [id*="sentenceLens.status" i]');
  const quickInput = cs.page.locator('.quick-input-widget');

  await t.test('with word wrap on, every label shows and the last word of a long classified line stays in view', async () => {
    await cs!.openFile('long.txt');
    await cs!.runCommand('Sentence Lens: Annotate Document');
    const all = await poll(async () => {
      const l = await labels(cs!);
      return l.length === 60 ? l : undefined;
    }, 'a label for each of the 60 sentences', 180_000);
    assert.ok(all.every((d) => d.line === 1 && LABEL.test(d.text)), JSON.stringify(all.slice(0, 3)));
    const b = await boxes(cs!, LAST_WORD);
    assert.ok(b, `"${LAST_WORD}" is rendered`);
    assert.ok(b.word.right <= b.area.right && b.word.left >= b.area.left, `"${LAST_WORD}" lies inside the text area: ${JSON.stringify(b)}`);
    assert.ok(b.word.bottom <= b.area.bottom, `and above its bottom edge: ${JSON.stringify(b)}`);
    await cs!.page.locator('.editor-group-container.active').screenshot({ path: await cs!.screenshot('reading-01-wrap-after') });
  });

  await t.test('auto measured the devices: the status bar names the device, the tooltip why', async () => {
    await item.locator('.codicon-check').waitFor({ state: 'visible', timeout: 60_000 });
    const softwareWebgpu = (await webgpuUnavailableReason()) === undefined && webgpuAdapterKind() === 'software';
    const text = (await item.innerText()).trim();
    if (softwareWebgpu) assert.equal(text, 'model · cpu', 'a software WebGPU adapter never wins over the CPU');
    else assert.match(text, /^model · (cpu|webgpu|cuda)$/);
    const log = cs!.extensionHostLog();
    assert.match(log, /auto chose \w+: .*per batch of 8 × 32 tokens: cpu \d+\.\d ms/);
    if (softwareWebgpu) assert.match(log, /webgpu \(software\) \d+\.\d ms/);
    await item.hover();
    const tip = cs!.page.locator('.monaco-hover:not(.hidden)').first();
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /auto chose \w+: .*cpu \d+\.\d ms/);
    await cs!.page.mouse.move(0, 0);
  });

  await t.test('Markdown is read as Markdown: only prose sentences get labels', async () => {
    await cs!.openFile('reading.md');
    await cs!.runCommand('Sentence Lens: Annotate Document');
    const want = ['The soup was warm', 'Our team won', 'She reads a', 'The referee', 'Run `npm test`'].map((n) => lineOf(MARKDOWN, n));
    const got = await poll(async () => {
      const l = await labels(cs!);
      return l.length === want.length + 1 ? l : undefined;
    }, 'labels on the prose sentences', 120_000);
    // "Dr. Smith ate 3.5 kg of pasta." is one sentence: two labels on its line, not three.
    assert.deepEqual(got.map((d) => d.line), [want[0]!, ...want], JSON.stringify(got));
    assert.ok(got.every((d) => LABEL.test(d.text)), JSON.stringify(got));
    await cs!.page.locator('.editor-group-container.active').screenshot({ path: await cs!.screenshot('reading-02-markdown-after') });
    // The link's text is part of its sentence; hovering it shows the sentence's probabilities.
    assert.match(await cs!.hover('train'), /Probability/);
    await cs!.page.mouse.move(0, 0);
  });

  await t.test('a large Markdown document, read by the prose worker: every prose sentence labelled, no code, table or front matter', async () => {
    await cs!.openFile('large.md');
    await cs!.runCommand('Sentence Lens: Annotate Document');
    // The oracle: the in-thread reader on the same text; each label sits on its sentence's last line.
    const oracle = documentSentences(LARGE_MARKDOWN, 'markdown');
    const labelLines = oracle.map((s) => LARGE_MARKDOWN.slice(0, s.end).split('\n').length);
    await poll(async () => (new RegExp(`annotated ${oracle.length} sentences in \\d+ ms .*large\\.md`).test(cs!.extensionHostLog()) ? true : undefined), `${oracle.length} sentences annotated`, 180_000);
    assert.match(cs!.extensionHostLog(), /prose reader started \(thread \d+\)/, 'read by the worker thread');
    for (const where of ['top', 'end']) {
      if (where === 'end') await cs!.page.keyboard.press('Control+End');
      await poll(async () => {
        const [from, to] = await renderedLines(cs!);
        const want = labelLines.filter((l) => l >= from && l <= to);
        const got = await labels(cs!);
        const have = got.map((d) => d.line).sort((a, b) => a - b);
        // The test model knows few words: a short sentence ("See and for more.") may read as unfamiliar.
        if (want.length === 0 || JSON.stringify(have) !== JSON.stringify(want) || !got.every((d) => LABEL.test(d.text) || d.text === '? unfamiliar words')) {
          throw new Error(`lines ${from}–${to}: want labels on ${JSON.stringify(want)}, have ${JSON.stringify(got)}`);
        }
        return true;
      }, `labels on exactly the prose lines at the ${where} of large.md`, 60_000);
    }
    // The sentence at a cursor in a code block: none (Classify Sentence asks the worker too).
    const fence = LARGE_MARKDOWN.split('\n').lastIndexOf('const a = "NOT PROSE in a fence. Really.";') + 1;
    await cs!.setCursor(fence, 15);
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await cs!.waitForNotification(/no sentence at the cursor/, 60_000);
    await cs!.clearNotifications();
    await cs!.page.locator('.editor-group-container.active').screenshot({ path: await cs!.screenshot('reading-06-large-markdown') });
  });

  await t.test('a sentence in a language the model does not know is labelled "?", and the hover says why', async () => {
    await cs!.openFile('unfamiliar.txt');
    await cs!.runCommand('Sentence Lens: Annotate Document');
    const got = await poll(async () => {
      const l = await labels(cs!);
      return l.length === 2 ? l : undefined;
    }, 'two labels', 60_000);
    assert.match(got[0]!.text, LABEL);
    assert.deepEqual(got[1], { line: 2, where: 'inlay', text: '? unfamiliar words' });
    const hover = await cs!.hover('面条');
    assert.match(hover, /No labels: 100% of this sentence's words are unknown to the model's vocabulary/);
    assert.match(hover, /multilingual model/);
    await cs!.page.mouse.move(0, 0);
  });

  await t.test('classifying a selection of many sentences reveals the last label', async () => {
    await cs!.openFile('many.txt');
    await cs!.selectAll();
    // The selection runs to line 121; show the top, as a user who scrolled back up would.
    await cs!.activeEditor().locator('.view-lines').hover();
    await cs!.page.mouse.wheel(0, -100_000);
    await poll(async () => ((await cs!.editorText()).startsWith(SENTENCES[0]!.slice(0, -1)) ? true : undefined), 'the top of the file in view');
    await cs!.runCommand('Sentence Lens: Classify Sentence');
    await poll(async () => ((await labels(cs!)).some((d) => d.line === 120) ? true : undefined), 'the label of line 120 in view', 120_000);
  });

  await t.test('Select Device… webgpu on a software adapter: the status bar says "webgpu (software)"', async (st) => {
    const why = await webgpuUnavailableReason();
    if (why) return st.skip(`no WebGPU here: ${why}`);
    if (webgpuAdapterKind() !== 'software') return st.skip('this machine has a GPU device; its adapter kind is not known');
    await cs!.runCommand('Sentence Lens: Select Device…');
    await quickInput.waitFor({ state: 'visible' });
    await quickInput.locator('.quick-input-list .monaco-list-row').filter({ has: cs!.page.locator('.label-name', { hasText: /^\s*webgpu\s*$/ }) }).first().click();
    await poll(async () => ((await item.innerText()).trim() === 'model · webgpu (software)' && (await item.locator('.codicon-check').count()) === 1 ? true : undefined), 'webgpu (software) in the status bar', 120_000);
    await cs!.screenshot('reading-03-webgpu-software');
  });

  await t.test('after a failed hub download, choosing the offline model is ready with no error left', async () => {
    await cs!.openFile('unfamiliar.txt');
    await cs!.runCommand('Sentence Lens: Select Model…');
    await quickInput.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Hugging Face model…' }).first().click();
    const input = quickInput.locator('.quick-input-box input');
    await poll(async () => ((await input.getAttribute('placeholder'))?.includes('all-MiniLM') ? true : undefined), 'the model id input box');
    await input.fill('org/broken-model');
    await cs!.page.keyboard.press('Enter');
    await cs!.waitForNotification(/org\/broken-model/, 120_000);
    await item.locator('.codicon-error').waitFor({ state: 'visible', timeout: 60_000 });
    assert.ok(hub.requests() > 0, 'the hub was asked');
    await cs!.clearNotifications();
    const asked = hub.requests();

    await cs!.runCommand('Sentence Lens: Select Model…');
    await quickInput.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Offline model' }).first().click();
    await poll(async () => (/^offline model \(small\) · (cpu|webgpu \(software\))$/.test((await item.innerText()).trim()) && (await item.locator('.codicon-check').count()) === 1 ? true : undefined), 'the offline model ready in the status bar', 120_000);
    assert.equal(hub.requests(), asked, 'the failed model was not tried again');
    await item.hover();
    const tip = cs!.page.locator('.monaco-hover:not(.hidden)').first();
    await tip.waitFor({ state: 'visible' });
    const tipText = await tip.innerText();
    assert.match(tipText, /— ready/);
    assert.match(tipText, /models[/\\]offline/);
    assert.doesNotMatch(tipText, /broken-model/);
    await cs!.page.mouse.move(0, 0);
    const shown = await cs!.notifications();
    assert.ok(!shown.some((m) => /error|broken-model/i.test(m)), `no error notification: ${JSON.stringify(shown)}`);
    // The labels of the previous model were classified again with the offline one.
    assert.match(cs!.extensionHostLog(), /the model changed to .*offline: classifying the 2 annotated sentence\(s\) of .*unfamiliar\.txt again/);
    await poll(async () => ((await labels(cs!)).length === 2 ? true : undefined), 'the labels back');
    await cs!.screenshot('reading-04-offline-after-failed-hub');
  });
});

test('after a reload: auto-annotation on annotates a typed sentence; a bad decorationFormat placeholder is refused by name', { timeout: 600_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-reload-'));
  const workspace = join(temp, 'workspace');
  const model = join(temp, 'model');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), '\n');
  await makeTestModel(model);
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });
  // A VS Code whose settings already have auto-annotation on, as after a reload: no command is
  // run. Its label template names a task the model does not have.
  cs = await startCodeServer({
    workspace,
    vsix: vsixPath(),
    settings: { 'sentenceLens.model': model, 'sentenceLens.device': 'cpu', 'sentenceLens.autoAnnotate': true, 'sentenceLens.decorationFormat': '{topic} {language}' },
  });
  await cs.openFile('notes.txt');
  await cs.setCursor(1, 1);
  await cs.page.keyboard.type(SENTENCES[1]!);
  // An inlay hint can be drawn as a bare "…" for a moment before its label is laid out.
  const got = await poll(async () => {
    const l = await labels(cs!);
    return l.length === 1 && l[0]!.text.replace(/…/g, '').trim() !== '' ? l[0] : undefined;
  }, 'the typed sentence annotated', 120_000);
  assert.equal(got.line, 1);
  // Every task of the model instead of the template, and a warning that names the placeholder.
  assert.match(got.text, LABEL);
  const message = await cs.waitForNotification(/decorationFormat has \{language\}/, 60_000);
  assert.match(message, /not a placeholder of this model \(its tasks: topic, sentiment/);
  await cs.screenshot('reading-05-auto-annotate-after-reload');
});
