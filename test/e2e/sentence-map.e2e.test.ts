// The sentence map in a real VS Code (code-server 4.96 via test/e2e/harness.ts), with the packaged
// .vsix and its bundled offline model: a 30-sentence, three-topic document maps to 30 points;
// clicking a point selects its sentence in the editor; moving the cursor marks its point; a
// labelled CSV opened from the Explorer shows as many disagreements as `sentence-lens eval`
// reports, in a map tab of its own beside the document's (one map per source); a rectangle
// selection labelled with "Label selected as…" lands in the labels file and the map recolours
// from the retrained heads. Screenshots (light and dark) go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { offlineModelDir } from '../../src/bundled-files.js';
import { readLabels } from '../../src/engine/data/labels-file.js';
import { runCli } from '../support/run-cli.js';
import { type CodeServer, e2eSkip, startCodeServer } from './harness.js';

function vsixPath(): string {
  const dist = resolve('dist');
  const found = existsSync(dist) ? readdirSync(dist).filter((f) => /^sentence-lens-linux-x64\.vsix$/.test(f)) : [];
  if (found.length === 0) throw new Error('dist/sentence-lens-linux-x64.vsix is missing: run npm run package (npm run test:e2e does)');
  return join(dist, found[0]!);
}

/** Bundled labelled rows, [text, topic, sentiment], as the CSV holds them (quotes undone). */
function bundledRows(): [string, string, string][] {
  const lines = readFileSync('models/sentences.csv', 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const m = /^"?(.*?)"?,(food|sports|reading),(positive|negative)$/.exec(line)!;
    return [m[1]!.replace(/""/g, '"'), m[2]!, m[3]!];
  });
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

test('Sentence map in code-server', { timeout: 900_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-map-'));
  const workspace = join(temp, 'workspace');
  mkdirSync(workspace);
  const rows = bundledRows();
  // 30 single-sentence lines, ten per topic, topics interleaved.
  const byTopic = ['food', 'sports', 'reading'].map((topic) => rows.filter((r) => r[1] === topic && !/[.!?].+[.!?]/.test(r[0])).slice(0, 10));
  const sentences = Array.from({ length: 30 }, (_, i) => byTopic[i % 3]![Math.floor(i / 3)]![0]);
  writeFileSync(join(workspace, 'topics.txt'), `${sentences.join('\n')}\n`);
  // 45 labelled rows with every fifth topic label changed.
  const topics = ['food', 'sports', 'reading'];
  const labelled = rows.slice(100, 145).map(([text, topic, sentiment], i) => `${quote(text)},${i % 5 === 0 ? topics[(topics.indexOf(topic) + 1) % 3] : topic},${sentiment}`);
  writeFileSync(join(workspace, 'labelled.csv'), `sentence,topic,sentiment\n${labelled.join('\n')}\n`);

  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });
  cs = await startCodeServer({ workspace, vsix: vsixPath(), settings: { 'sentenceLens.device': 'cpu', 'workbench.colorTheme': 'Default Light Modern' } });
  const page = cs.page;
  const mapOf = () => cs!.webview().locator('#map');

  await t.test('Show Sentence Map on a 30-sentence document draws 30 points', async () => {
    await cs!.openFile('topics.txt');
    await cs!.runCommand('Sentence Lens: Show Sentence Map');
    await cs!.webview().locator('#map[data-points]').waitFor({ timeout: 180_000 });
    assert.equal(await mapOf().getAttribute('data-points'), '30');
    assert.match((await mapOf().getAttribute('aria-label')) ?? '', /^Sentence map: 30 points, coloured by topic$/);
    await cs!.screenshot('map-01-document-light');
  });

  await t.test('clicking a point selects its sentence in the editor', async () => {
    const pixels: { x: number; y: number }[] = [];
    for (let i = 0; i < 30; i++) pixels.push(await mapOf().evaluate((_, n) => (window as unknown as { sentenceMap: { pixelOf(i: number): { x: number; y: number } } }).sentenceMap.pixelOf(n), i));
    // A point with no other within 12 px, so the click cannot land on a neighbour.
    const lonely = pixels.findIndex((p, i) => pixels.every((q, j) => j === i || Math.hypot(p.x - q.x, p.y - q.y) > 12));
    assert.ok(lonely >= 0, 'some point stands alone');
    const box = (await mapOf().boundingBox())!;
    await page.mouse.click(box.x + pixels[lonely]!.x, box.y + pixels[lonely]!.y);
    const pos = await cs!.waitForCursor((p) => p.line === lonely + 1 && p.selected === sentences[lonely]!.length, `sentence ${lonely + 1} selected`, 30_000);
    assert.equal(pos.column, sentences[lonely]!.length + 1, 'the selection ends at the end of the sentence');
  });

  await t.test('moving the cursor in the document marks its point on the map', async () => {
    await cs!.setCursor(5, 3);
    await cs!.webview().locator('#map[data-current="4"]').waitFor({ timeout: 30_000 });
    await cs!.setCursor(12, 1);
    await cs!.webview().locator('#map[data-current="11"]').waitFor({ timeout: 30_000 });
  });

  await t.test('a labelled CSV from the Explorer: as many disagreements as sentence-lens eval reports', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'labelled.csv' }).first().click({ button: 'right' });
    await cs!.clickMenuItem('Show Sentence Map');
    const summary = cs!.webview().locator('#summary[data-disagreements]');
    await summary.waitFor({ timeout: 180_000 });
    assert.equal(await mapOf().getAttribute('data-points'), '45');
    const e = await runCli(['eval', join(workspace, 'labelled.csv'), '--model', offlineModelDir(), '--device', 'cpu']);
    assert.equal(e.code, 0, e.stderr);
    const confusion = JSON.parse(e.stdout).metrics.tasks.topic.confusion as number[][];
    const errors = confusion.flatMap((row, truth) => row.filter((_, p) => p !== truth)).reduce((a, b) => a + b, 0);
    assert.ok(errors >= 9, `at least the 9 changed labels disagree (${errors})`);
    assert.equal(await summary.getAttribute('data-disagreements'), String(errors));
    assert.match((await summary.textContent()) ?? '', new RegExp(`^${errors} disagreements between the labels and the model \\(topic\\) in 45 rows$`));
    await cs!.screenshot('map-02-csv-light');
  });

  await t.test('one map per source: the document map and the CSV map are two tabs, each with its own points', async () => {
    // The document map stays open behind the CSV map the Explorer opened in the same group.
    const mapTabs = page.locator('.tabs-container .tab', { hasText: 'Sentence Map' });
    const titles = async () => (await mapTabs.allTextContents()).map((t) => t.trim()).sort();
    assert.deepEqual(await titles(), ['Sentence Map: labelled.csv', 'Sentence Map: topics.txt']);
    assert.equal(await mapOf().getAttribute('data-points'), '45');
    await mapTabs.filter({ hasText: 'Sentence Map: topics.txt' }).click();
    await cs!.webview().locator('#map[data-points="30"]').waitFor({ timeout: 60_000 });
    assert.match((await cs!.webview().locator('#title').textContent()) ?? '', /topics\.txt/);
    // The palette on the document reveals its map rather than opening a third.
    await page.locator('.tabs-container .tab[data-resource-name="topics.txt"]').first().click();
    await cs!.runCommand('Sentence Lens: Show Sentence Map');
    await cs!.webview().locator('#map[data-points="30"]').waitFor({ timeout: 60_000 });
    assert.equal(await mapTabs.count(), 2);
    // Back to the CSV map (the next tests use it): it still shows its own 45 rows.
    await mapTabs.filter({ hasText: 'Sentence Map: labelled.csv' }).click();
    await cs!.webview().locator('#map[data-points="45"]').waitFor({ timeout: 60_000 });
    await cs!.webview().locator('#summary[data-disagreements]').waitFor({ timeout: 60_000 });
  });

  await t.test('dark theme: the map redraws in the theme colours', async () => {
    const light = await mapOf().getAttribute('data-background');
    await cs!.runCommand('Preferences: Toggle between Light/Dark Themes');
    await cs!.webview().locator('body.vscode-dark').waitFor({ timeout: 30_000 });
    await cs!.webview().locator(`#map:not([data-background="${light}"])`).waitFor({ timeout: 30_000 });
    await cs!.screenshot('map-03-csv-dark');
    assert.deepEqual(cs!.pageErrorLog(), []);
  });

  await t.test('after a window reload the map of the same CSV comes back', async () => {
    // Developer: Reload Window saves the workbench state (the map's serializer state) first; a
    // browser reload may not get to save it.
    await cs!.reloadWindow();
    await cs!.webview().locator('#map[data-points="45"]').waitFor({ timeout: 180_000 });
    assert.match((await cs!.webview().locator('#title').textContent()) ?? '', /labelled\.csv/);
  });

  await t.test('"Label selected as…": a rectangle of points goes to the labels file and the map recolours from the retrained heads', async () => {
    // Last: the retrained heads would change what the CSV test compares with `sentence-lens eval`.
    // After the reload topics.txt may be open in two editor groups (openFile wants one): its first tab.
    await page.locator('.tabs-container .tab[data-resource-name="topics.txt"]').first().click();
    await cs!.runCommand('Sentence Lens: Show Sentence Map');
    await cs!.webview().locator('#map[data-points="30"]').waitFor({ timeout: 180_000 });
    // The document's map came back from the reload in a hidden tab: the palette revives that one
    // rather than opening a second map of the current document.
    const mapTabs = page.locator('.tabs-container .tab', { hasText: 'Sentence Map' });
    assert.deepEqual((await mapTabs.allTextContents()).map((t) => t.trim()).sort(), ['Sentence Map: labelled.csv', 'Sentence Map: topics.txt']);
    const w = cs!.webview();
    type Hook = { sentenceMap: { pixelOf(i: number): { x: number; y: number }; labelOf(i: number): string | undefined } };
    const pixels: { x: number; y: number }[] = [];
    for (let i = 0; i < 30; i++) pixels.push(await mapOf().evaluate((_, n) => (window as unknown as Hook).sentenceMap.pixelOf(n), i));
    const topicOf = (i: number) => ['food', 'sports', 'reading'][i % 3]!;
    // A rectangle around one topic's points that holds no other point (else around one lone point).
    const M = 6;
    const around = (points: number[]) => {
      const xs = points.map((i) => pixels[i]!.x);
      const ys = points.map((i) => pixels[i]!.y);
      return { x0: Math.min(...xs) - M, y0: Math.min(...ys) - M, x1: Math.max(...xs) + M, y1: Math.max(...ys) + M };
    };
    const inside = (r: { x0: number; y0: number; x1: number; y1: number }) => pixels.flatMap((p, i) => (p.x >= r.x0 && p.x <= r.x1 && p.y >= r.y0 && p.y <= r.y1 ? [i] : []));
    const candidates = [...['food', 'sports', 'reading'].map((topic) => pixels.flatMap((_, i) => (topicOf(i) === topic ? [i] : []))), ...pixels.map((_, i) => [i])];
    const chosen = candidates.find((points) => inside(around(points)).length === points.length);
    assert.ok(chosen, 'some rectangle holds one topic only');
    const rect = around(chosen);
    const label = topicOf(chosen[0]!);
    await w.locator('vscode-button', { hasText: 'Rectangle' }).click();
    const box = (await mapOf().boundingBox())!;
    await page.mouse.move(box.x + rect.x0, box.y + rect.y0);
    await page.mouse.down();
    await page.mouse.move(box.x + rect.x1, box.y + rect.y1, { steps: 8 });
    await page.mouse.up();
    await w.locator('#selection h2', { hasText: `${chosen.length} selected` }).waitFor({ timeout: 30_000 });
    await w.locator('#label-selected').click();
    const widget = page.locator('.quick-input-widget');
    const choice = widget.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) }).first();
    await choice.waitFor({ state: 'visible', timeout: 30_000 });
    await choice.click();
    // The map recolours once the heads have retrained on the new rows.
    await w.locator('#label-note[data-state="ready"]').waitFor({ timeout: 120_000 });
    const labelsFile = join(workspace, '.sentence-lens', 'labels.csv');
    const file = await readLabels(labelsFile);
    assert.deepEqual(file.tasks, ['topic']);
    assert.deepEqual(file.rows.map((r) => [r.sentence, r.labels['topic']]), chosen.map((i) => [sentences[i], label]));
    for (const i of chosen) assert.equal(await mapOf().evaluate((_, n) => (window as unknown as Hook).sentenceMap.labelOf(n), i), label, `point ${i} after the retrain`);
    assert.match((await w.locator('#label-note').textContent()) ?? '', new RegExp(`^Labelled ${chosen.length} sentences? topic = ${label}; the map shows the retrained heads\\.$`));
    await cs!.screenshot('map-04-label-selected');
    // One undo step takes the whole selection back.
    await cs!.runCommand('Sentence Lens: Undo Last Label');
    await cs!.waitForNotification(new RegExp(`undid topic = ${label} for ${chosen.length === 1 ? '“' : `${chosen.length} sentences`}`));
    assert.deepEqual((await readLabels(labelsFile)).rows, []);
  });
});
