/** In-memory random BERT weights for a config, seeded (tests that need no folder on disk). */
import { parameterShapes } from '../../src/engine/model/weights.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import type { EncoderConfig } from '../../src/engine/model/encoder-config.js';
import { Rng } from '../../src/engine/random.js';

export function tinyConfig(overrides: Partial<EncoderConfig> = {}): EncoderConfig {
  return {
    modelType: 'bert', relativeAttentionBuckets: 0,
    vocabSize: 50, hiddenSize: 16, numLayers: 2, numHeads: 4, intermediateSize: 32, maxPositions: 32,
    typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1, padTokenId: 0,
    ...overrides,
  };
}

export function randomBertWeights(c: EncoderConfig, seed: number, std = 0.2): Map<string, Tensor> {
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isLnWeight = name.endsWith('LayerNorm.weight');
    for (let i = 0; i < n; i++) data[i] = isLnWeight ? 1 + 0.1 * rng.normal() : std * rng.normal();
    out.set(name, { shape, data });
  }
  return out;
}
