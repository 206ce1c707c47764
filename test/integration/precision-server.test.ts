/**
 * The precision setting through the model server (dist/server.js over IPC, as the extension
 * talks to it): int8 runs on the CPU and its embeddings stay close to fp32's; fp16 asked for
 * on the CPU comes back as fp32 with the reason. Needs `npm run build` (npm test does it).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ServerClient } from '../../src/extension/server-client.js';
import { makeTestModel, tempDir } from '../support/model-folder.js';

const dir = await tempDir('sl-precision-server-');
const model = join(dir, 'model');
await makeTestModel(model);
after(() => rm(dir, { recursive: true, force: true }));

const TEXTS = ['The soup was delicious and warm.', 'We lost the match in the last minute.', 'A wonderful book about the sea.'];

async function embedWith(precision: 'fp32' | 'int8' | 'fp16') {
  const c = new ServerClient({ serverPath: resolve('dist/server.js'), log: () => {}, restartDelaysMs: [50] });
  try {
    const info = await c.load({ model, device: 'cpu', precision });
    const { embeddings } = await c.embed({ texts: TEXTS });
    return { info, embeddings };
  } finally {
    await c.dispose();
  }
}

test('precision int8 through the model server: int8 on the CPU, embeddings within cosine 0.99 of fp32', async () => {
  const [a, b] = [await embedWith('fp32'), await embedWith('int8')];
  assert.equal(a.info.precision, 'fp32');
  assert.equal(b.info.precision, 'int8');
  assert.equal(b.info.precisionFallback, undefined);
  a.embeddings.forEach((x, i) => {
    const y = b.embeddings[i]!;
    const dot = x.reduce((s, v, k) => s + v * y[k]!, 0);
    const cos = dot / Math.sqrt(x.reduce((s, v) => s + v * v, 0) * y.reduce((s, v) => s + v * v, 0));
    assert.ok(cos >= 0.99, `sentence ${i}: cosine ${cos}`);
  });
  assert.notDeepEqual(b.embeddings, a.embeddings, 'int8 really computed something else than fp32');
});

test('precision fp16 on the CPU: the server runs fp32 and says why', async () => {
  const { info } = await embedWith('fp16');
  assert.equal(info.precision, 'fp32');
  assert.match(info.precisionFallback!, /fp16 runs on a GPU/);
});
