/**
 * DistilBERT (transformers' DistilBertModel): word + absolute position embeddings (no token
 * types), the same post-LN layer as BERT under its own names (`q_lin`, `sa_layer_norm`,
 * `ffn.lin1`, …) in `transformer.layer.{i}`, no pooler, LayerNorm eps fixed at 1e-12, and its
 * own config.json names (`dim`, `hidden_dim`, `n_layers`, `n_heads`, `dropout`, …).
 */
import { add, gather } from '../graph/index.js';
import type { Architecture, EmbeddingContext } from './architecture.js';

/** DistilBERT's LayerNorms are built with eps=1e-12 in code; config.json has no field for it. */
const LAYER_NORM_EPS = 1e-12;

export const distilbert: Architecture = {
  modelType: 'distilbert',
  modelClass: 'DistilBertModel',
  prefix: 'distilbert',
  tokenTypeInput: false,
  layerPrefix: 'transformer.layer',
  layer: {
    query: 'attention.q_lin',
    key: 'attention.k_lin',
    value: 'attention.v_lin',
    attentionOutput: 'attention.out_lin',
    attentionNorm: 'sa_layer_norm',
    intermediate: 'ffn.lin1',
    output: 'ffn.lin2',
    outputNorm: 'output_layer_norm',
  },
  attentionOutputDropout: false,
  // DistilBertForMaskedLM: vocab_transform → activation → vocab_layer_norm (eps 1e-12) → vocab_projector.
  maskedLm: { modelClass: 'DistilBertForMaskedLM', dense: 'vocab_transform', norm: 'vocab_layer_norm', bias: 'vocab_projector.bias', decoder: 'vocab_projector' },
  parseConfig(f) {
    f.requireGelu('activation');
    const hiddenSize = f.positiveInt('dim', 768);
    const numHeads = f.positiveInt('n_heads', 12);
    f.divisibleHeads(hiddenSize, numHeads, 'dim', 'n_heads');
    return {
      modelType: 'distilbert',
      vocabSize: f.positiveInt('vocab_size', 30522),
      hiddenSize,
      numLayers: f.positiveInt('n_layers', 6),
      numHeads,
      intermediateSize: f.positiveInt('hidden_dim', 3072),
      maxPositions: f.positiveInt('max_position_embeddings', 512),
      typeVocabSize: 0,
      layerNormEps: LAYER_NORM_EPS,
      hiddenDropout: f.nonNegative('dropout', 0.1),
      attentionDropout: f.nonNegative('attention_dropout', 0.1),
      padTokenId: f.nonNegativeInt('pad_token_id', 0),
      relativeAttentionBuckets: 0,
    };
  },
  configJson: (c, raw) => ({
    ...raw,
    activation: 'gelu',
    architectures: ['DistilBertModel'],
    attention_dropout: c.attentionDropout,
    dim: c.hiddenSize,
    dropout: c.hiddenDropout,
    hidden_dim: c.intermediateSize,
    initializer_range: raw['initializer_range'] ?? 0.02,
    max_position_embeddings: c.maxPositions,
    model_type: 'distilbert',
    n_heads: c.numHeads,
    n_layers: c.numLayers,
    pad_token_id: c.padTokenId,
    qa_dropout: raw['qa_dropout'] ?? 0.1,
    seq_classif_dropout: raw['seq_classif_dropout'] ?? 0.2,
    sinusoidal_pos_embds: raw['sinusoidal_pos_embds'] ?? false,
    tie_weights_: raw['tie_weights_'] ?? true,
    torch_dtype: 'float32',
    vocab_size: c.vocabSize,
  }),
  embeddingShapes: (c) => [
    ['embeddings.word_embeddings.weight', [c.vocabSize, c.hiddenSize]],
    ['embeddings.position_embeddings.weight', [c.maxPositions, c.hiddenSize]],
    ['embeddings.LayerNorm.weight', [c.hiddenSize]],
    ['embeddings.LayerNorm.bias', [c.hiddenSize]],
  ],
  embed: ({ g, p, inputIds, positions }: EmbeddingContext) =>
    add(g, gather(g, p('embeddings.word_embeddings.weight'), inputIds), gather(g, p('embeddings.position_embeddings.weight'), positions)),
};
