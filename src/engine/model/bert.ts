/**
 * BERT (transformers' BertModel): word + absolute position + token-type embeddings, and the
 * layer names every BERT descendant here keeps (RoBERTa reuses them unchanged). Also the
 * config fields BERT, RoBERTa and MPNet share (`hidden_size`, `num_hidden_layers`, …).
 */
import { add, gather } from '../graph/index.js';
import type { Architecture, EmbeddingContext, LayerNames } from './architecture.js';
import type { ConfigFields, EncoderConfig, ModelType } from './encoder-config.js';

export const BERT_LAYER_NAMES: LayerNames = {
  query: 'attention.self.query',
  key: 'attention.self.key',
  value: 'attention.self.value',
  attentionOutput: 'attention.output.dense',
  attentionNorm: 'attention.output.LayerNorm',
  intermediate: 'intermediate.dense',
  output: 'output.dense',
  outputNorm: 'output.LayerNorm',
};

/** The fields of BertConfig-style configs (BERT, RoBERTa, XLM-R, MPNet), with the class's defaults. */
export function parseBertStyleConfig(
  f: ConfigFields,
  modelType: ModelType,
  defaults: { padTokenId: number; typeVocabSize: number },
): Omit<EncoderConfig, 'relativeAttentionBuckets'> {
  f.requireGelu('hidden_act');
  f.requireAbsolutePositions();
  const hiddenSize = f.positiveInt('hidden_size');
  const numHeads = f.positiveInt('num_attention_heads');
  f.divisibleHeads(hiddenSize, numHeads, 'hidden_size', 'num_attention_heads');
  return {
    modelType,
    vocabSize: f.positiveInt('vocab_size'),
    hiddenSize,
    numLayers: f.positiveInt('num_hidden_layers'),
    numHeads,
    intermediateSize: f.positiveInt('intermediate_size'),
    maxPositions: f.positiveInt('max_position_embeddings', 512),
    typeVocabSize: defaults.typeVocabSize === 0 ? 0 : f.positiveInt('type_vocab_size', defaults.typeVocabSize),
    layerNormEps: f.nonNegative('layer_norm_eps', 1e-12),
    hiddenDropout: f.nonNegative('hidden_dropout_prob', 0.1),
    attentionDropout: f.nonNegative('attention_probs_dropout_prob', 0.1),
    padTokenId: f.nonNegativeInt('pad_token_id', defaults.padTokenId),
  };
}

/** The config.json fields BertConfig-style classes write, in transformers' names. */
export function bertStyleConfigJson(c: EncoderConfig, raw: Record<string, unknown>, modelClass: string): Record<string, unknown> {
  return {
    ...raw,
    architectures: [modelClass],
    attention_probs_dropout_prob: c.attentionDropout,
    hidden_act: 'gelu',
    hidden_dropout_prob: c.hiddenDropout,
    hidden_size: c.hiddenSize,
    initializer_range: raw['initializer_range'] ?? 0.02,
    intermediate_size: c.intermediateSize,
    layer_norm_eps: c.layerNormEps,
    max_position_embeddings: c.maxPositions,
    model_type: c.modelType,
    num_attention_heads: c.numHeads,
    num_hidden_layers: c.numLayers,
    pad_token_id: c.padTokenId,
    torch_dtype: 'float32',
    vocab_size: c.vocabSize,
  };
}

export function bertEmbeddingShapes(c: EncoderConfig): [string, number[]][] {
  const H = c.hiddenSize;
  const shapes: [string, number[]][] = [
    ['embeddings.word_embeddings.weight', [c.vocabSize, H]],
    ['embeddings.position_embeddings.weight', [c.maxPositions, H]],
  ];
  if (c.typeVocabSize > 0) shapes.push(['embeddings.token_type_embeddings.weight', [c.typeVocabSize, H]]);
  shapes.push(['embeddings.LayerNorm.weight', [H]], ['embeddings.LayerNorm.bias', [H]]);
  return shapes;
}

export const bert: Architecture = {
  modelType: 'bert',
  modelClass: 'BertModel',
  prefix: 'bert',
  tokenTypeInput: true,
  layerPrefix: 'encoder.layer',
  layer: BERT_LAYER_NAMES,
  attentionOutputDropout: true,
  maskedLm: {
    modelClass: 'BertForMaskedLM',
    dense: 'cls.predictions.transform.dense',
    norm: 'cls.predictions.transform.LayerNorm',
    bias: 'cls.predictions.bias',
    decoder: 'cls.predictions.decoder',
  },
  parseConfig: (f) => ({ ...parseBertStyleConfig(f, 'bert', { padTokenId: 0, typeVocabSize: 2 }), relativeAttentionBuckets: 0 }),
  configJson: (c, raw) => ({
    ...bertStyleConfigJson(c, raw, 'BertModel'),
    classifier_dropout: raw['classifier_dropout'] ?? null,
    position_embedding_type: 'absolute',
    type_vocab_size: c.typeVocabSize,
    use_cache: raw['use_cache'] ?? true,
  }),
  embeddingShapes: bertEmbeddingShapes,
  embed({ g, p, inputIds, tokenTypeIds, positions }: EmbeddingContext) {
    const x = add(g, gather(g, p('embeddings.word_embeddings.weight'), inputIds), gather(g, p('embeddings.position_embeddings.weight'), positions));
    return add(g, x, gather(g, p('embeddings.token_type_embeddings.weight'), tokenTypeIds!));
  },
};
