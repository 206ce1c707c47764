/**
 * Forward parity for every supported architecture and tokenizer kind: a checkpoint written as
 * a transformers task model saves it (base-model prefix, masked-LM head beside the backbone)
 * loads, and its embeddings for multilingual sentences, batched with padding, match an
 * independent float64 forward (test/support/reference-encoders.ts) that reads the same files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { ARCHITECTURE_CASES, architectureModel } from '../support/architecture-cases.js';
import { MULTILINGUAL_PROBES } from '../support/multilingual.js';
import { type ReferenceArchitecture, referenceEncoder, withoutBasePrefix } from '../support/reference-encoders.js';

// Non-empty probes, a short one, and one long enough that MPNet's relative distances pass 128.
const TEXTS = [...MULTILINGUAL_PROBES.filter((t) => t.trim() !== ''), 'Goal!', Array.from({ length: 150 }, (_, i) => (i % 2 ? 'match' : 'the')).join(' ')];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const c of ARCHITECTURE_CASES) {
  test(`${c.id}: a task-model checkpoint (prefixed names, LM head) embeds like the float64 reference, mean and CLS pooling`, async () => {
    const dir = await architectureModel(c, { prefixed: true, extraTensors: true, heads: false, config: { max_position_embeddings: 256 } });
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
    const { tensors } = await readSafetensors(join(dir, 'model.safetensors'));
    const weights = withoutBasePrefix(tensors);

    for (const pooling of ['mean', 'cls'] as const) {
      // Batches of 4 bucketed by length: most rows are padded, which must not change them.
      const model = await SentenceModel.load(dir, { device: 'cpu', pooling, batchSize: 4, maxLength: 512 });
      try {
        const results = await model.run(TEXTS);
        const { ids } = model.tokenizer.encode(TEXTS, 512);
        assert.ok(ids.at(-1)!.length > 130, 'the long text spans more than MPNet\'s 128-token bucket range');
        let worst = 0;
        ids.forEach((row, i) => {
          const ref = referenceEncoder(c.architecture as ReferenceArchitecture, config, weights, [row], [row.map(() => 1)]);
          const expected = pooling === 'mean' ? ref.meanPooled[0]! : ref.clsPooled[0]!;
          worst = Math.max(worst, maxAbsDiff(results[i]!.embedding, expected));
        });
        assert.ok(worst <= 1e-4, `${pooling}-pooled embeddings differ from the reference by ${worst}`);
      } finally {
        await model.release();
      }
    }
  });
}
