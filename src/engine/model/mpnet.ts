/**
 * MPNet (transformers' MPNetModel): word + position embeddings with RoBERTa-style position
 * ids (padding_idx is 1, fixed in MPNet's code), no token types, its own layer names
 * (`attention.attn.q`, `attention.LayerNorm`, …), and a relative position bias shared by all
 * layers: `encoder.relative_attention_bias` [buckets, heads], looked up by the bucket of each
 * (query, key) distance and added to every layer's attention scores.
 */
import { type Value, add, gather, sub, transpose, unsqueeze } from '../graph/index.js';
import type { Architecture, EmbeddingContext } from './architecture.js';
import { bertStyleConfigJson, parseBertStyleConfig } from './bert.js';
import type { EncoderConfig } from './encoder-config.js';
import { lmHeadNames, positionsAfterPadding } from './roberta.js';

/** MPNetEmbeddings numbers positions after padding_idx = 1 whatever pad_token_id says. */
const MPNET_PADDING_IDX = 1;
export const RELATIVE_ATTENTION_BIAS = 'encoder.relative_attention_bias.weight';

/**
 * MPNetEncoder.relative_position_bucket for distance key − query, with the values its
 * compute_position_bias passes (32 buckets, max distance 128, whatever the config's table
 * size): half the buckets for keys after the query, the first 8 of each half exact, the rest
 * logarithmic up to 128 and clamped.
 */
export function relativePositionBucket(relative: number): number {
  const buckets = 32 / 2;
  const maxExact = buckets / 2;
  const maxDistance = 128;
  const n = -relative;
  const base = n < 0 ? buckets : 0;
  const a = Math.abs(n);
  if (a < maxExact) return base + a;
  const large = maxExact + Math.trunc((Math.log(a / maxExact) / Math.log(maxDistance / maxExact)) * (buckets - maxExact));
  return base + Math.min(large, buckets - 1);
}

/**
 * Buckets of every distance a sequence that fits the position table can have, as a constant
 * table indexed by distance + (maxPositions − 1): the log/trunc stays out of the graph.
 */
function bucketTable(c: EncoderConfig): bigint[] {
  const span = c.maxPositions - 1;
  return Array.from({ length: 2 * span + 1 }, (_, i) => BigInt(relativePositionBucket(i - span)));
}

function relativeAttentionBias({ g, config, p, positions }: EmbeddingContext): Value {
  const span = config.maxPositions - 1;
  const table = g.constant(bucketTable(config), 'int64', [2 * span + 1]);
  // distance[i][j] = j − i (key position minus query position), shifted to index the table.
  const distance = sub(g, unsqueeze(g, positions, [0]), unsqueeze(g, positions, [1]));
  const buckets = gather(g, table, add(g, distance, g.constant([BigInt(span)], 'int64', [])));
  const bias = gather(g, p(RELATIVE_ATTENTION_BIAS), buckets); // [seq, seq, heads]
  return unsqueeze(g, transpose(g, bias, [2, 0, 1]), [0]); // [1, heads, seq, seq]
}

export const mpnet: Architecture = {
  modelType: 'mpnet',
  modelClass: 'MPNetModel',
  prefix: 'mpnet',
  tokenTypeInput: false,
  layerPrefix: 'encoder.layer',
  layer: {
    query: 'attention.attn.q',
    key: 'attention.attn.k',
    value: 'attention.attn.v',
    attentionOutput: 'attention.attn.o',
    attentionNorm: 'attention.LayerNorm',
    intermediate: 'intermediate.dense',
    output: 'output.dense',
    outputNorm: 'output.LayerNorm',
  },
  attentionOutputDropout: true,
  maskedLm: lmHeadNames('MPNetForMaskedLM'),
  parseConfig: (f) => ({
    ...parseBertStyleConfig(f, 'mpnet', { padTokenId: 1, typeVocabSize: 0 }),
    relativeAttentionBuckets: f.positiveInt('relative_attention_num_buckets', 32),
  }),
  configJson: (c, raw) => ({
    ...bertStyleConfigJson(c, raw, 'MPNetModel'),
    bos_token_id: raw['bos_token_id'] ?? 0,
    eos_token_id: raw['eos_token_id'] ?? 2,
    relative_attention_num_buckets: c.relativeAttentionBuckets,
  }),
  embeddingShapes: (c) => [
    ['embeddings.word_embeddings.weight', [c.vocabSize, c.hiddenSize]],
    ['embeddings.position_embeddings.weight', [c.maxPositions, c.hiddenSize]],
    ['embeddings.LayerNorm.weight', [c.hiddenSize]],
    ['embeddings.LayerNorm.bias', [c.hiddenSize]],
    [RELATIVE_ATTENTION_BIAS, [c.relativeAttentionBuckets, c.numHeads]],
  ],
  positionPaddingId: () => MPNET_PADDING_IDX,
  embed({ g, p, inputIds }: EmbeddingContext) {
    const positions = positionsAfterPadding(g, inputIds, MPNET_PADDING_IDX);
    return add(g, gather(g, p('embeddings.word_embeddings.weight'), inputIds), gather(g, p('embeddings.position_embeddings.weight'), positions));
  },
  attentionBias: relativeAttentionBias,
};

