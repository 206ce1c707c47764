/**
 * Masked-LM pretraining for every architecture: the engine's …ForMaskedLM head (its tensor
 * names declared by each architecture module) on generated tiny models that carry the head
 * under Hugging Face's names, against the independent float64 reference (reference-mlm.ts),
 * on batches masked by the engine's own data path with the architecture's special tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { SAMPLE_SENTENCES } from '../../src/engine/model/sample-sentences.js';
import { buildMlmEvalGraph } from '../../src/engine/pretrain/mlm-graph.js';
import { mlmBatch, mlmSpecialIds, packSequences } from '../../src/engine/pretrain/mlm-data.js';
import { selectMlmHead } from '../../src/engine/pretrain/mlm-head.js';
import { encoderFeeds, ort } from '../../src/engine/runtime/session.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { ARCHITECTURE_CASES, architectureModel } from '../support/architecture-cases.js';
import { withoutBasePrefix } from '../support/reference-encoders.js';
import { referenceMaskedLmLoss } from '../support/reference-mlm.js';

const cases = ARCHITECTURE_CASES.filter((c) => c.tokenizer === undefined);

for (const c of cases) {
  test(`${c.id}: the masked-LM loss and accuracy match the float64 reference, with the head read from its ${c.modelClass.replace(/Model$/, 'ForMaskedLM')} names`, async () => {
    const dir = await architectureModel(c, { heads: false, extraTensors: true });
    const model = await loadModelFolder(dir);
    const stored = new Map((await readSafetensors(join(dir, 'model.safetensors'))).tensors);
    const head = selectMlmHead(stored, model.config);
    assert.ok(head, `the engine finds the ${c.id} head among ${[...stored.keys()].filter((n) => !n.includes('layer.')).join(', ')}`);

    const ids = mlmSpecialIds(model.tokenizer, dir);
    const texts = SAMPLE_SENTENCES.slice(0, 6).map((text, i) => ({ text, file: 'sample', line: i + 1 }));
    const seqs = packSequences(texts, model.tokenizer, ids, { maxLength: 20 });
    const batch = mlmBatch(seqs, [0, 1, 2], 11, 1, ids, { rate: 0.3 });
    const S = batch.seqLen;
    const n = batch.positions.length;
    assert.ok(n >= 4, `${n} predictions`);
    const rows = (a: BigInt64Array) => Array.from({ length: batch.size }, (_, b) => Array.from(a.subarray(b * S, (b + 1) * S), Number));
    const predictions = Array.from(batch.positions, (p, k) => [Math.floor(Number(p) / S), Number(p) % S, Number(batch.labels[k])] as [number, number, number]);
    const raw = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
    const ref = referenceMaskedLmLoss(c.architecture, raw, withoutBasePrefix(stored), stored, { ids: rows(batch.inputIds), mask: rows(batch.attentionMask), predictions });
    assert.ok(ref.loss > 0 && Number.isFinite(ref.loss));

    for (const floatType of ['float64', 'float32'] as const) {
      const { graph } = buildMlmEvalGraph(model.config, model.backbone, head, { isTrainable: () => false, floatType });
      const session = await ort.InferenceSession.create(graph.toBytes(), { executionProviders: ['cpu'] });
      const out = await session.run({
        ...encoderFeeds(batch, batch.size, S, model.config),
        mlm_positions: new ort.Tensor('int64', batch.positions, [n]),
        mlm_labels: new ort.Tensor('int64', batch.labels, [n]),
        mlm_weights: floatType === 'float64' ? new ort.Tensor('float64', new Float64Array(n).fill(1), [n]) : new ort.Tensor('float32', new Float32Array(n).fill(1), [n]),
      });
      const loss = Number(out['loss']!.data[0]);
      const tol = floatType === 'float64' ? 1e-9 : 1e-4;
      assert.ok(Math.abs(loss - ref.loss) <= tol * Math.max(1, ref.loss), `${c.id} ${floatType}: loss ${loss} vs reference ${ref.loss}`);
      assert.equal(Number(out['mlm_correct']!.data[0]), ref.correct, `${c.id} ${floatType}: correct predictions`);
    }
  });
}
