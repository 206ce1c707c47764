/** The training panel's questions as the trainer process answers them: the model picture and option checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkOptions, describeModel } from '../../src/trainer/questions.js';
import { makeTestModel, tempDir } from '../support/model-folder.js';

const model = join(await tempDir('sl-picture-'), 'model');
await makeTestModel(model);
const base = { model, tasks: [{ name: 'mood', labels: 2 }, { name: 'topic', labels: 3 }], frozenHeads: [], lossWeights: {} };

test('the picture shows every block with its size, shaded by what the freeze policy trains', async () => {
  const none = await describeModel({ ...base, freeze: 'none' });
  assert.deepEqual(none.blocks.map((b) => b.key), ['embeddings', 'layer 0', 'layer 1', 'head mood', 'head topic']);
  assert.ok(none.blocks.every((b) => b.trains));
  assert.equal(none.trainable, none.total);
  // A new task's head is a Linear hidden → labels: 32·2 + 2 for mood; topic continues the model's head.
  assert.equal(none.blocks.find((b) => b.key === 'head mood')!.params, 32 * 2 + 2);

  const backbone = await describeModel({ ...base, freeze: 'backbone' });
  assert.deepEqual(backbone.blocks.filter((b) => b.trains).map((b) => b.key), ['head mood', 'head topic']);
  assert.equal(backbone.trainable, backbone.blocks.filter((b) => b.kind === 'head').reduce((n, b) => n + b.params, 0));
  assert.match(backbone.summary, /^training 2 of 5 parameter groups/);

  const bottom = await describeModel({ ...base, freeze: 'bottom:1' });
  assert.deepEqual(bottom.blocks.filter((b) => !b.trains).map((b) => b.key), ['embeddings', 'layer 0']);

  const offByWeight = await describeModel({ ...base, freeze: 'backbone', frozenHeads: ['topic'], lossWeights: { mood: 0 } });
  assert.equal(offByWeight.trainable, 0);
  assert.match(offByWeight.summary, /loss weight 0 \(head not trained\): mood/);
  await assert.rejects(describeModel({ ...base, freeze: 'bottom:5' }), /bottom:5 asks for more layers than the model has \(numLayers = 2\)/);
});

test('options are checked by the engine, each bad one with its own message, and the defaults come back resolved', () => {
  const ok = checkOptions({});
  assert.deepEqual(ok.errors, {});
  assert.equal(ok.resolved?.epochs, 3);
  assert.equal(ok.resolved?.csv, undefined, 'no placeholder leaks into the defaults');
  const bad = checkOptions({ lr: -1, batchSize: 2.5, epochs: 2 });
  assert.deepEqual(Object.keys(bad.errors).sort(), ['batchSize', 'lr']);
  assert.match(bad.errors.lr!, /learning rate must be a finite number ≥ 0, got -1/);
  assert.match(bad.errors.batchSize!, /batch size must be a whole number ≥ 1, got 2.5/);
  assert.match(checkOptions({ layerLrDecay: 0 }).errors.layerLrDecay!, /layer-wise LR decay must be in \(0, 1\]/);
  assert.match(checkOptions({ val: 'v.csv', valSplit: 0.2 }).errors._!, /either a validation CSV or a validation split/);
});
