/** The model shapes the benchmarks use, and random-weight folders of them. */
import { generateModelFolder } from '../src/engine/model/generate.js';

export const SHAPES = {
  minilm: { name: 'MiniLM-L6 shape', layers: 6, hidden: 384, heads: 12, intermediate: 1536 },
  'bert-base': { name: 'bert-base shape', layers: 12, hidden: 768, heads: 12, intermediate: 3072 },
} as const;
export type Shape = (typeof SHAPES)[keyof typeof SHAPES];

/** A random-weight BERT folder of `shape` with a 30,522-entry vocabulary (BERT's size) from `texts`. */
export async function generateShapeFolder(dir: string, shape: Shape, texts: readonly string[]): Promise<void> {
  await generateModelFolder(dir, {
    texts, seed: 1, vocabSize: 30522,
    config: { num_hidden_layers: shape.layers, hidden_size: shape.hidden, num_attention_heads: shape.heads, intermediate_size: shape.intermediate, max_position_embeddings: 512 },
  });
}
