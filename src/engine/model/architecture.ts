/**
 * What an encoder architecture states about itself: its config.json fields, its tensor names,
 * how it embeds tokens and positions, and any bias it adds to attention scores. Everything
 * else (the post-LN transformer layer, masking, the graph inputs) is shared, in encoder.ts.
 *
 * Tensor names are the architecture's own Hugging Face state-dict names without the base-model
 * prefix (`bert.`, `roberta.`, `distilbert.`, `mpnet.`), so checkpoints are written in the
 * architecture's own format and freeze policies read layer numbers from the names.
 */
import type { Graph, Value } from '../graph/index.js';
import type { ConfigFields, EncoderConfig, ModelType } from './encoder-config.js';

/** Where each projection and LayerNorm of one transformer layer lives, relative to the layer. */
export interface LayerNames {
  readonly query: string;
  readonly key: string;
  readonly value: string;
  readonly attentionOutput: string;
  readonly attentionNorm: string;
  readonly intermediate: string;
  readonly output: string;
  readonly outputNorm: string;
}

/**
 * The masked-LM head of the architecture's …ForMaskedLM, the same computation in every one
 * here: dense → exact GELU → LayerNorm (the config's eps) → a decoder whose weight is the word
 * embedding table (tied) plus a bias per token. Names are the state dict's own, at its top
 * level (no base-model prefix).
 */
export interface MaskedLmHeadNames {
  /** The task class a pretraining checkpoint is saved as (config.json `architectures`). */
  readonly modelClass: string;
  readonly dense: string;
  readonly norm: string;
  /** The per-token bias, under the name save_pretrained keeps. */
  readonly bias: string;
  /** The tied decoder: `${decoder}.weight` is never written; `${decoder}.bias` is another name for the bias. */
  readonly decoder: string;
}

export interface EmbeddingContext {
  readonly g: Graph;
  readonly config: EncoderConfig;
  /** A parameter by name (registered as trainable or frozen by the caller). */
  readonly p: (name: string) => Value;
  readonly inputIds: Value; // int64 [batch, seq]
  /** Present only for architectures with `tokenTypeInput`. */
  readonly tokenTypeIds?: Value;
  /** 0, 1, …, seq−1 (int64 [seq]). */
  readonly positions: Value;
}

export interface Architecture {
  readonly modelType: ModelType;
  /** The transformers class whose state dict a checkpoint holds (config.json `architectures`). */
  readonly modelClass: string;
  /** `base_model_prefix`: what task models (…ForMaskedLM, …ForSequenceClassification) put before the backbone's names. */
  readonly prefix: string;
  /** Whether the encoder takes `token_type_ids` (only BERT does; exported graphs match). */
  readonly tokenTypeInput: boolean;
  /** The layers' common prefix: layer i's tensors are `${layerPrefix}.${i}.…`. */
  readonly layerPrefix: string;
  readonly layer: LayerNames;
  readonly maskedLm: MaskedLmHeadNames;
  /** DistilBERT adds the attention output to the residual without dropout; the others drop out. */
  readonly attentionOutputDropout: boolean;
  /** config.json → EncoderConfig, with this architecture's field names and defaults. */
  parseConfig(fields: ConfigFields): EncoderConfig;
  /** config.json as transformers' save_pretrained writes it for `modelClass`. */
  configJson(c: EncoderConfig, raw: Record<string, unknown>): Record<string, unknown>;
  /** Every tensor outside the layers the encoder reads (embeddings, shared biases), with shapes. */
  embeddingShapes(c: EncoderConfig): [string, number[]][];
  /**
   * RoBERTa-style positions: the padding id that position ids count after (padding tokens get
   * it, the others padId + 1, padId + 2, …). Absent: positions are 0, 1, … whatever the padding.
   */
  positionPaddingId?(c: EncoderConfig): number;
  /** Summed token and position embeddings [batch, seq, H], before `embeddings.LayerNorm`. */
  embed(ctx: EmbeddingContext): Value;
  /** An additive bias for every layer's attention scores, [1 | batch, heads, seq, seq] (MPNet). */
  attentionBias?(ctx: EmbeddingContext): Value;
}

/** The tensor a masked-LM head ties its decoder to, the same in every architecture here. */
export const WORD_EMBEDDINGS = 'embeddings.word_embeddings.weight';
export const EMBEDDINGS_NORM = 'embeddings.LayerNorm';
