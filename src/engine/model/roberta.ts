/**
 * RoBERTa and XLM-RoBERTa (transformers' RobertaModel, XLMRobertaModel): BERT's layers and
 * tensor names under the `roberta.` prefix. What differs is the embeddings: position ids
 * count from padding_idx + 1 over the non-padding tokens (so a padded row keeps its real
 * tokens' positions), and the single token type is always type 0, so no token_type_ids input.
 */
import { type Graph, type Value, add, cumsum, gather, mul, notEqualMask } from '../graph/index.js';
import type { Architecture, EmbeddingContext, MaskedLmHeadNames } from './architecture.js';
import { BERT_LAYER_NAMES, bertEmbeddingShapes, bertStyleConfigJson, parseBertStyleConfig } from './bert.js';
import type { EncoderConfig, ModelType } from './encoder-config.js';

/**
 * transformers' create_position_ids_from_input_ids: padding tokens get `padId`, the others
 * padId + 1, padId + 2, … in order. Shared with MPNet, which numbers positions the same way.
 */
/** RobertaLMHead's names, which XLM-R's and MPNet's LM heads share. */
export function lmHeadNames(modelClass: string): MaskedLmHeadNames {
  return { modelClass, dense: 'lm_head.dense', norm: 'lm_head.layer_norm', bias: 'lm_head.bias', decoder: 'lm_head.decoder' };
}

export function positionsAfterPadding(g: Graph, inputIds: Value, padId: number): Value {
  const notPad = notEqualMask(g, inputIds, padId);
  return add(g, mul(g, cumsum(g, notPad, 1), notPad), g.constant([BigInt(padId)], 'int64', []));
}

function robertaFamily(modelType: ModelType, modelClass: string, maskedLmClass: string): Architecture {
  return {
    modelType,
    modelClass,
    prefix: 'roberta',
    tokenTypeInput: false,
    layerPrefix: 'encoder.layer',
    layer: BERT_LAYER_NAMES,
    attentionOutputDropout: true,
    maskedLm: lmHeadNames(maskedLmClass),
    parseConfig: (f) => ({ ...parseBertStyleConfig(f, modelType, { padTokenId: 1, typeVocabSize: 1 }), relativeAttentionBuckets: 0 }),
    configJson: (c, raw) => ({
      ...bertStyleConfigJson(c, raw, modelClass),
      bos_token_id: raw['bos_token_id'] ?? 0,
      classifier_dropout: raw['classifier_dropout'] ?? null,
      eos_token_id: raw['eos_token_id'] ?? 2,
      position_embedding_type: 'absolute',
      type_vocab_size: c.typeVocabSize,
      use_cache: raw['use_cache'] ?? true,
    }),
    embeddingShapes: bertEmbeddingShapes,
    positionPaddingId: (c: EncoderConfig) => c.padTokenId,
    embed({ g, config, p, inputIds }: EmbeddingContext) {
      const positions = positionsAfterPadding(g, inputIds, config.padTokenId);
      const x = add(g, gather(g, p('embeddings.word_embeddings.weight'), inputIds), gather(g, p('embeddings.position_embeddings.weight'), positions));
      // Every token is type 0: add that one row (broadcast) instead of gathering it per token.
      return add(g, x, gather(g, p('embeddings.token_type_embeddings.weight'), g.constant([0n], 'int64', [])));
    },
  };
}

export const roberta = robertaFamily('roberta', 'RobertaModel', 'RobertaForMaskedLM');
export const xlmRoberta = robertaFamily('xlm-roberta', 'XLMRobertaModel', 'XLMRobertaForMaskedLM');
