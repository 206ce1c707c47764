/**
 * The fields of a Hugging Face BertConfig `config.json` that the engine reads or writes.
 * Named exactly as in the JSON so a folder round-trips with Python `transformers`.
 */
export interface BertConfigJson {
  architectures: string[];
  model_type: 'bert';
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: 'gelu' | 'gelu_new' | 'relu' | 'tanh' | string;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
  pad_token_id: number;
  position_embedding_type: 'absolute' | string;
}
