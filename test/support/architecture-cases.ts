/**
 * The architectures and tokenizer kinds the engine supports, as tiny generated models with
 * Hugging Face names and configs, for tests that must hold for every one of them.
 */
import type { ModelType } from '../../src/engine/model/encoder-config.js';
import type { GenerateModelOptions, TokenizerKind } from '../../src/engine/model/generate.js';
import { SAMPLE_SENTENCES } from '../../src/engine/model/sample-sentences.js';
import { writeModelWithHeads, tempDir } from './model-folder.js';
import { MULTILINGUAL_TRAINING } from './multilingual.js';

export interface ArchitectureCase {
  /** Short label for test names and folder names. */
  readonly id: string;
  readonly architecture: ModelType;
  readonly tokenizer?: TokenizerKind;
  /** transformers' class whose state dict a full checkpoint holds. */
  readonly modelClass: string;
}

export const ARCHITECTURE_CASES: readonly ArchitectureCase[] = [
  { id: 'bert', architecture: 'bert', modelClass: 'BertModel' },
  { id: 'bert+unigram', architecture: 'bert', tokenizer: 'unigram', modelClass: 'BertModel' },
  { id: 'bert+bpe', architecture: 'bert', tokenizer: 'bpe', modelClass: 'BertModel' },
  { id: 'roberta', architecture: 'roberta', modelClass: 'RobertaModel' },
  { id: 'xlm-roberta', architecture: 'xlm-roberta', modelClass: 'XLMRobertaModel' },
  { id: 'distilbert', architecture: 'distilbert', modelClass: 'DistilBertModel' },
  { id: 'mpnet', architecture: 'mpnet', modelClass: 'MPNetModel' },
];

/**
 * A tiny model of the case in a fresh folder: random LayerNorms and weights wider than the
 * usual 0.02 init (so sentences differ and labels vary), a vocabulary from the sample and
 * multilingual sentences, and random heads unless `heads: false`.
 */
export async function architectureModel(c: ArchitectureCase, options: GenerateModelOptions & { heads?: boolean } = {}): Promise<string> {
  const dir = await tempDir(`sl-${c.id.replace('+', '-')}-`);
  await writeModelWithHeads(dir, {
    architecture: c.architecture,
    tokenizer: c.tokenizer,
    texts: [...SAMPLE_SENTENCES, ...MULTILINGUAL_TRAINING],
    seed: 5,
    randomLayerNorm: true,
    ...options,
    config: { initializer_range: 0.3, ...options.config },
  });
  return dir;
}
