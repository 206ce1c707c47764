/** The contract's rules that both sides rely on: when two loads are the same model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type LoadModelParams, loadKey, sameModel } from '../../src/protocol.js';

const base: LoadModelParams = { model: '/m', device: 'cpu', pooling: 'mean', maxLength: 128, batchSize: 32 };

test('same model: every model field counts, the progress id does not', () => {
  assert.ok(sameModel(base, { ...base, progressId: 'load-7' }));
  assert.ok(sameModel({ model: '/m', device: 'auto' }, { model: '/m', device: 'auto', pooling: undefined }));
  const changes: Partial<LoadModelParams>[] = [{ model: '/n' }, { device: 'webgpu' }, { pooling: 'cls' }, { pooling: undefined }, { maxLength: 64 }, { batchSize: 8 }];
  for (const c of changes) {
    assert.ok(!sameModel(base, { ...base, ...c }), `a change of ${JSON.stringify(c)} must reload`);
    assert.notEqual(loadKey(base), loadKey({ ...base, ...c }));
  }
});
