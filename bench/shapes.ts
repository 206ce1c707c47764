/** The model shapes the benchmarks use, and random-weight folders of them. */
import type { ModelType } from '../src/engine/model/encoder-config.js';
import { generateModelFolder } from '../src/engine/model/generate.js';

export interface Shape {
  readonly name: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  /** Default BERT with a 30,522-entry WordPiece vocabulary (BERT's size). */
  readonly architecture?: ModelType;
  readonly vocabSize?: number;
}

export const SHAPES = {
  minilm: { name: 'MiniLM-L6 shape', layers: 6, hidden: 384, heads: 12, intermediate: 1536 },
  'bert-base': { name: 'bert-base shape', layers: 12, hidden: 768, heads: 12, intermediate: 3072 },
} as const satisfies Record<string, Shape>;

/** Inference also runs the other architectures' base shapes (all-mpnet-base-v2, xlm-roberta-base). */
export const INFER_SHAPES = {
  ...SHAPES,
  'mpnet-base': { name: 'MPNet-base shape (all-mpnet-base-v2)', layers: 12, hidden: 768, heads: 12, intermediate: 3072, architecture: 'mpnet', vocabSize: 30527 },
  'xlmr-base': { name: 'XLM-R-base shape (xlm-roberta-base, 250k SentencePiece vocabulary)', layers: 12, hidden: 768, heads: 12, intermediate: 3072, architecture: 'xlm-roberta', vocabSize: 250002 },
} as const satisfies Record<string, Shape>;

/** A random-weight folder of `shape` (its architecture's own tokenizer kind) with a vocabulary from `texts`. */
export async function generateShapeFolder(dir: string, shape: Shape, texts: readonly string[]): Promise<void> {
  await generateModelFolder(dir, {
    texts, seed: 1, vocabSize: shape.vocabSize ?? 30522, architecture: shape.architecture,
    config: { num_hidden_layers: shape.layers, hidden_size: shape.hidden, num_attention_heads: shape.heads, intermediate_size: shape.intermediate, max_position_embeddings: 512 },
  });
}
