/**
 * Each architecture's own parameter names mean the same to freeze policies, layer-wise LR
 * decay and weight decay as BERT's do: layer i is layer i whether it is `encoder.layer.i`
 * (BERT, RoBERTa, MPNet) or `transformer.layer.i` (DistilBERT); MPNet's shared relative
 * position bias goes with the embeddings; LayerNorm weights and biases get no weight decay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EncoderConfig, ModelType } from '../../src/engine/model/encoder-config.js';
import { parameterShapes } from '../../src/engine/model/weights.js';
import { describeFreeze, isTrainableFor, parseFreezePolicy } from '../../src/engine/train/freeze.js';
import { layerLrMultiplier } from '../../src/engine/train/optimizer.js';
import { isNoDecayParameter } from '../../src/engine/train/param-names.js';

function config(modelType: ModelType): EncoderConfig {
  return {
    modelType, vocabSize: 30, hiddenSize: 8, numLayers: 3, numHeads: 2, intermediateSize: 16, maxPositions: 20,
    typeVocabSize: modelType === 'bert' ? 2 : modelType === 'roberta' || modelType === 'xlm-roberta' ? 1 : 0,
    layerNormEps: 1e-12, hiddenDropout: 0, attentionDropout: 0, padTokenId: 1, relativeAttentionBuckets: modelType === 'mpnet' ? 32 : 0,
  };
}

const EXPECTED_LAYER_NAME: Record<ModelType, string> = {
  bert: 'encoder.layer.1.attention.self.query.weight',
  roberta: 'encoder.layer.1.attention.self.query.weight',
  'xlm-roberta': 'encoder.layer.1.attention.self.query.weight',
  distilbert: 'transformer.layer.1.attention.q_lin.weight',
  mpnet: 'encoder.layer.1.attention.attn.q.weight',
};

for (const arch of Object.keys(EXPECTED_LAYER_NAME) as ModelType[]) {
  test(`${arch}: freeze policies, LR decay and weight decay read its names`, () => {
    const c = config(arch);
    const names = [...parameterShapes(c).keys()];
    assert.ok(names.includes(EXPECTED_LAYER_NAME[arch]), `${EXPECTED_LAYER_NAME[arch]} is one of its parameters`);
    const layerOf = (n: string) => Number(/^(?:encoder|transformer)\.layer\.(\d+)\./.exec(n)?.[1] ?? -1);

    const bottom2 = isTrainableFor(parseFreezePolicy('bottom:2'), { numLayers: 3 });
    for (const n of names) assert.equal(bottom2(n), layerOf(n) === 2, `bottom:2 trains only layer 2: ${n}`);
    const embeddings = isTrainableFor(parseFreezePolicy('embeddings'), { numLayers: 3 });
    for (const n of names) assert.equal(embeddings(n), layerOf(n) >= 0, `freeze=embeddings: ${n}`);

    const sizes = new Map(names.map((n) => [n, 1]));
    assert.match(describeFreeze(parseFreezePolicy('bottom:1'), { numLayers: 3 }, sizes), /frozen: embeddings, layer 0$/);

    for (const n of names) {
      const expected = layerOf(n) >= 0 ? 0.5 ** (2 - layerOf(n)) : 0.5 ** 3;
      assert.equal(layerLrMultiplier(n, 3, 0.5), expected, `LR multiplier of ${n}`);
    }
    const noDecay = names.filter(isNoDecayParameter);
    // Every bias and every LayerNorm weight, whatever the LayerNorm is called, and nothing else.
    const norms = names.filter((n) => /(LayerNorm|layer_norm)\.weight$/.test(n));
    assert.equal(norms.length, 1 + 2 * 3, 'one embeddings LayerNorm and two per layer');
    const biases = names.filter((n) => /(\.bias|relative_attention_bias\.weight)$/.test(n));
    assert.deepEqual(noDecay.sort(), [...norms, ...biases].sort());
  });
}
