/**
 * Select Model…'s list: recommended models per use with their download size (or their size in
 * the cache once downloaded), the other cached models Sentence Lens can load, then the
 * offline model and the free choices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { downloadModel } from '../../../src/engine/hub.js';
import { formatBytes, listCachedModels, modelPicks, readOfflineFigures, RECOMMENDED_MODELS } from '../../../src/extension/model-catalog.js';
import { startLocalHub } from '../../support/local-hub.js';
import { modelWithHeads, tempDir } from '../../support/model-folder.js';

test('models in the Hugging Face cache are listed with their size; incomplete repos are not', async () => {
  const model = await modelWithHeads();
  const hub = await startLocalHub({ 'acme/tiny': { dir: model }, 'sentence-transformers/all-MiniLM-L6-v2': { dir: model } });
  const home = await tempDir('sl-hf-');
  const env = { HF_HOME: home, HF_ENDPOINT: hub.endpoint };
  try {
    assert.deepEqual(await listCachedModels(env), [], 'an empty or absent cache lists nothing');
    await downloadModel('acme/tiny', { env });
    await downloadModel('sentence-transformers/all-MiniLM-L6-v2', { env });
    // A repo with only a config (an interrupted download, or a dataset) is not offered.
    await mkdir(join(home, 'hub', 'models--acme--broken', 'refs'), { recursive: true });
    await writeFile(join(home, 'hub', 'models--acme--broken', 'refs', 'main'), 'f'.repeat(40));
    const cached = await listCachedModels(env);
    assert.deepEqual(cached.map((c) => c.id).sort(), ['acme/tiny', 'sentence-transformers/all-MiniLM-L6-v2']);
    const { statSync } = await import('node:fs');
    const expected = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt'].reduce((s, f) => s + statSync(join(model, f)).size, 0);
    assert.equal(cached.find((c) => c.id === 'acme/tiny')!.bytes, expected);
  } finally {
    await hub.close();
  }
});

test('the pick list: recommended per use with sizes, cached ones marked, other cached models, then the rest', () => {
  const cached = [
    { id: 'sentence-transformers/all-mpnet-base-v2', bytes: 438_012_345, modified: 2 },
    { id: 'acme/tiny', bytes: 120_000, modified: 1 },
  ];
  const picks = modelPicks(cached, { current: 'acme/tiny', offlinePresent: true });
  const separators = picks.filter((p) => p.kind === 'separator').map((p) => p.label);
  assert.deepEqual(separators, ['small and fast', 'best quality', 'multilingual', 'in the Hugging Face cache', 'other']);
  const hubModels = picks.flatMap((p) => (p.kind === 'hub-model' ? [p] : []));
  // Every recommended model once, under its use, in catalogue order; then the cached others.
  assert.deepEqual(hubModels.map((p) => p.id), [...RECOMMENDED_MODELS.map((r) => r.id), 'acme/tiny']);
  const mini = hubModels.find((p) => p.id === 'sentence-transformers/all-MiniLM-L6-v2')!;
  assert.equal(mini.description, '≈ 91 MB download');
  assert.match(mini.detail!, /BERT, 6 layers × 384/);
  assert.equal(hubModels.find((p) => p.id === 'sentence-transformers/all-mpnet-base-v2')!.description, 'in the cache (438 MB)');
  assert.equal(hubModels.find((p) => p.id === 'acme/tiny')!.description, '120 kB on disk · current');
  const multilingual = picks.slice(picks.findIndex((p) => p.label === 'multilingual') + 1, picks.findIndex((p) => p.label === 'in the Hugging Face cache'));
  assert.ok(multilingual.length >= 2 && multilingual.every((p) => p.kind === 'hub-model' && /SentencePiece/.test(p.detail ?? '')));
  assert.deepEqual(picks.slice(-4).map((p) => p.kind), ['offline', 'hub', 'folder', 'checkpoint']);
  assert.equal(modelPicks([], { current: '', offlinePresent: true }).filter((p) => p.kind === 'separator').length, 4, 'no cache section when nothing else is cached');
});

test('sizes read as people write them', () => {
  assert.equal(formatBytes(90_868_376), '91 MB');
  assert.equal(formatBytes(2_270_000_000), '2.3 GB');
  assert.equal(formatBytes(120), '1 kB');
});

test("the offline model's pick states the figures of its own model card, so they follow a rebuild", async () => {
  const dir = resolve('models/offline');
  const card = JSON.parse(readFileSync(join(dir, 'offline-model.json'), 'utf8'));
  const figures = await readOfflineFigures(dir);
  assert.deepEqual(figures, { topic: card.heldOut.topic.accuracy, sentiment: card.heldOut.sentiment.accuracy, paraphrase: card.paraphraseNearestNeighbour.share });
  const offline = modelPicks([], { current: '', offlinePresent: true, offlineFigures: figures }).find((p) => p.kind === 'offline')!;
  assert.ok('detail' in offline);
  const pct = (x: number, d: number) => `${(100 * x).toFixed(d)}%`;
  assert.match(offline.detail!, new RegExp(`held-out topic ${pct(figures!.topic, 1)}, sentiment ${pct(figures!.sentiment, 1)}; Find Similar finds the paraphrase for ${pct(figures!.paraphrase, 0)}`));
  assert.equal(await readOfflineFigures(join(dir, 'no-such-folder')), undefined, 'no card: no figures, and no claim');
  assert.doesNotMatch((modelPicks([], { current: '', offlinePresent: true }).find((p) => p.kind === 'offline') as { detail: string }).detail, /held-out/);
});
