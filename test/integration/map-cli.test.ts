/**
 * `sentence-lens map` as a user runs it (dist/cli.js, the bundled offline model): a PNG of the
 * right size, the same bytes for the same seed; a self-contained HTML report that draws every
 * point in a browser with the network cut off; disagreements equal to what `sentence-lens eval`
 * reports for the same CSV; clear errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundledSentences } from '../../src/engine/model/generate.js';
import { offlineModelDir } from '../../src/bundled-files.js';
import { EVERY_CONSTRUCT, EVERY_CONSTRUCT_PROSE } from '../support/prose-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/model-folder.js';

let dir: string;
let csv: string;
let doc: string;

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

before(async () => {
  dir = await tempDir('sl-map-cli-');
  // 120 bundled rows with their labels, every seventh topic label changed: known disagreements.
  const lines = (await readFile('models/sentences.csv', 'utf8')).trim().split('\n');
  const topics = ['food', 'sports', 'reading'];
  const rows = lines.slice(1, 121).map((line, i) => {
    const m = /^(.*),(food|sports|reading),(positive|negative)$/.exec(line)!;
    const topic = i % 7 === 0 ? topics[(topics.indexOf(m[2]!) + 1) % 3] : m[2];
    return `${m[1]},${topic},${m[3]}`;
  });
  csv = join(dir, 'labelled.csv');
  await writeFile(csv, `sentence,topic,sentiment\n${rows.join('\n')}\n`);
  const sentences = (await readBundledSentences()).slice(0, 30);
  doc = join(dir, 'notes.md');
  await writeFile(doc, `# Notes\n\n${sentences.slice(0, 15).join(' ')}\n\n${sentences.slice(15).join('\n')}\n`);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('map a document to a PNG: one point per sentence, the asked size, the same picture for the same seed', async () => {
  const out = join(dir, 'notes.png');
  const r = await runCli(['map', doc, '--out', out, '--device', 'cpu', '--width', '640', '--height', '480', '--seed', '7']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.points, 30, '30 sentences; the heading is not prose (as in Annotate Document)');
  assert.equal(summary.read, 'markdown');
  assert.equal(summary.method, 'umap');
  assert.equal(summary.params.seed, 7);
  assert.deepEqual(summary.disagreements, {});
  const first = await readFile(out);
  assert.deepEqual(pngSize(first), { width: 640, height: 480 });
  assert.equal((await runCli(['map', doc, '--out', out, '--device', 'cpu', '--width', '640', '--height', '480', '--seed', '7'])).code, 0);
  assert.ok(first.equals(await readFile(out)), 'same seed: same bytes');
  assert.equal((await runCli(['map', doc, '--out', out, '--device', 'cpu', '--width', '640', '--height', '480', '--seed', '8'])).code, 0);
  assert.ok(!first.equals(await readFile(out)), 'another seed: another picture');
});

test('a Markdown file is mapped as Annotate Document reads it: no code, tables, front matter or headings', async () => {
  const md = join(dir, 'every.md');
  await writeFile(md, EVERY_CONSTRUCT);
  const out = join(dir, 'every.html');
  const r = await runCli(['map', md, '--out', out, '--device', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.read, 'markdown');
  assert.equal(summary.points, EVERY_CONSTRUCT_PROSE.length);
  const html = await readFile(out, 'utf8');
  const data = JSON.parse(/<script type="application\/json" id="map-data">(.*?)<\/script>/s.exec(html)![1]!) as { texts: string[] };
  assert.deepEqual(data.texts, EVERY_CONSTRUCT_PROSE);
  assert.ok(!data.texts.some((t) => /NOT PROSE|const a|\|/.test(t)), 'no code-block, table, front-matter or heading line');
  // The same text as a .txt file is plain text: every line is read, code included.
  const txt = join(dir, 'every.txt');
  await writeFile(txt, EVERY_CONSTRUCT);
  const plain = await runCli(['map', txt, '--out', join(dir, 'every-txt.html'), '--device', 'cpu']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(JSON.parse(plain.stdout).read, 'plaintext');
  assert.ok(JSON.parse(plain.stdout).points > EVERY_CONSTRUCT_PROSE.length);
});

test("a labelled CSV: the map's disagreements are the errors sentence-lens eval counts", async () => {
  const r = await runCli(['map', csv, '--out', join(dir, 'labelled.png'), '--device', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.points, 120);
  assert.equal(summary.task, 'topic');
  const e = await runCli(['eval', csv, '--model', offlineModelDir(), '--device', 'cpu']);
  assert.equal(e.code, 0, e.stderr);
  const metrics = JSON.parse(e.stdout).metrics.tasks as Record<string, { confusion: number[][] }>;
  for (const task of ['topic', 'sentiment']) {
    const errors = metrics[task]!.confusion.flatMap((row, t) => row.filter((_, p) => p !== t)).reduce((a, b) => a + b, 0);
    assert.equal(summary.disagreements[task], errors, task);
  }
  assert.ok(summary.disagreements.topic >= 120 / 7 - 1, 'the changed labels are among them');
});

test('the HTML report is one file that draws every point with the network cut off', { skip: existsSync('/usr/bin/chromium') ? false : 'needs /usr/bin/chromium' }, async () => {
  const out = join(dir, 'labelled.html');
  const r = await runCli(['map', csv, '--out', out, '--device', 'cpu', '--task', 'sentiment']);
  assert.equal(r.code, 0, r.stderr);
  const html = await readFile(out, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'nothing loaded from elsewhere');
  assert.match(html, /default-src 'none'; script-src 'sha256-/);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    const requested: string[] = [];
    await page.route(/^(?!file:)/, (route) => {
      requested.push(route.request().url());
      return route.abort();
    });
    await page.goto(`file://${out}`);
    const map = page.locator('#map[data-points]');
    await map.waitFor();
    assert.equal(await map.getAttribute('data-points'), '120');
    assert.equal(await map.getAttribute('aria-label'), 'Sentence map: 120 points, coloured by sentiment');
    await page.fill('#search', 'the');
    const matching = Number(/^(\d+) matching$/.exec((await page.textContent('#matches')) ?? '')?.[1]);
    const texts = JSON.parse((await page.textContent('#map-data'))!).texts as string[];
    assert.equal(matching, texts.filter((t) => t.toLowerCase().includes('the')).length);
    // A rectangle around the whole plot area (inside the legend and the corner note) selects every sentence.
    await page.click('button[data-tool="rect"]');
    const box = (await map.boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 45);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width - 20, box.y + box.height - 40, { steps: 5 });
    await page.mouse.up();
    await page.locator('#selection h2', { hasText: '120 selected' }).waitFor();
    assert.equal(await page.locator('#selection li').count(), 120);
    assert.deepEqual(problems, []);
    assert.deepEqual(requested, []);
  } finally {
    await browser.close();
  }
});

test('bad arguments say what was expected', async () => {
  const noOut = await runCli(['map', csv]);
  assert.equal(noOut.code, 1);
  assert.match(noOut.stderr, /--out expects a path ending in \.png or \.html/);
  const badTask = await runCli(['map', csv, '--out', join(dir, 'x.png'), '--task', 'mood', '--device', 'cpu']);
  assert.equal(badTask.code, 1);
  assert.match(badTask.stderr, /--task mood: the model has no such task; its tasks are topic, sentiment/);
  const missing = await runCli(['map', join(dir, 'nope.txt'), '--out', join(dir, 'x.png'), '--device', 'cpu']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.txt: cannot read the file \(ENOENT\)/);
  assert.equal(existsSync(join(dir, 'x.png')), false, 'no picture written on failure');
});
