/**
 * sentenceLens/map over IPC with the real server process: a document's sentences and a CSV the
 * server reads, with progress for both phases, and cancellation part-way.
 * Needs `npm run build` first (npm test does it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ClientError, ServerClient } from '../../src/extension/server-client.js';
import type { ProgressParams } from '../../src/protocol.js';
import { makeTestModel, tempDir } from '../support/model-folder.js';

let dir: string;
let client: ServerClient;
const progress: ProgressParams[] = [];
const texts = (n: number) => Array.from({ length: n }, (_, i) => `Sentence ${i} is about ${['soup and bread', 'the cup final', 'a long novel'][i % 3]}.`);

before(async () => {
  dir = await tempDir('sl-map-server-');
  await makeTestModel(join(dir, 'model'));
  client = new ServerClient({ serverPath: resolve('dist/server.js'), log: () => undefined, onProgress: (p) => progress.push(p) });
  await client.load({ model: join(dir, 'model'), device: 'cpu' });
});

after(async () => {
  await client.dispose();
  await rm(dir, { recursive: true, force: true });
});

test('a map of sentences: a point and labels per sentence, progress through embedding then projection', async () => {
  const map = await client.map({ source: { kind: 'texts', texts: texts(30) }, seed: 5, progressId: 'm1' });
  assert.equal(map.texts.length, 30);
  assert.equal(map.xy.length, 60);
  assert.equal(map.method, 'umap');
  assert.equal(map.params['seed'], 5);
  assert.deepEqual(map.tasks.map((t) => t.name), ['topic', 'sentiment']);
  const classified = await client.classify({ texts: texts(30) });
  classified.results.forEach((r, i) => assert.equal(map.tasks[0]!.labels[map.values['topic']!.predicted[i]!], r.tasks['topic']!.label));
  const mine = progress.filter((p) => p.id === 'm1' && p.kind === 'map');
  const phases = mine.map((p) => (p.kind === 'map' ? p.phase : ''));
  assert.equal(phases[0], 'embed');
  assert.equal(phases.at(-1), 'project');
  assert.ok(mine.some((p) => p.kind === 'map' && p.phase === 'project' && p.done === p.total));
});

test('a map of a CSV the server reads: gold labels and lines', async () => {
  const csv = join(dir, 'rows.csv');
  await writeFile(csv, 'sentence,topic\n"Soup, again.",food\nWe won.,sports\nA novel.,\n');
  const map = await client.map({ source: { kind: 'csv', path: csv } });
  assert.equal(map.method, 'pca');
  assert.deepEqual(map.lines, [2, 3, 4]);
  assert.deepEqual(map.values['topic']!.gold, [0, 1, -1]);
  assert.equal(map.values['sentiment']!.gold, undefined);
});

test('cancelling a map part-way answers CANCELLED and the server keeps serving', async () => {
  const controller = new AbortController();
  const pending = client.map({ source: { kind: 'texts', texts: texts(600) }, progressId: 'm2' }, controller.signal);
  const seen = (async () => {
    while (!progress.some((p) => p.id === 'm2' && p.kind === 'map' && p.phase === 'project')) await new Promise((r) => setImmediate(r));
    controller.abort();
  })();
  await assert.rejects(pending, (e: unknown) => e instanceof ClientError && e.code === 'CANCELLED');
  await seen;
  const last = progress.filter((p) => p.id === 'm2' && p.kind === 'map').at(-1);
  assert.ok(last?.kind === 'map' && last.done < last.total, 'stopped before the last epoch');
  assert.equal((await client.classify({ texts: ['Still here.'] })).results.length, 1);
});
