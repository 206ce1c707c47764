/**
 * Deterministic Hugging Face-format model folders of each supported architecture, for tests,
 * benchmarks and the offline model's starting point: same options, byte-identical files, so
 * failures reproduce. The shape is given in BERT's config names and written in the
 * architecture's own (DistilBERT's `dim`, `n_layers`, …).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { SentenceLensError } from '../errors.js';
import { Rng } from '../random.js';
import { writeSafetensors } from '../weights/safetensors.js';
import { architectureOf } from './architectures.js';
import type { BertConfigJson } from './config-json.js';
import { parseModelConfig } from './config.js';
import type { EncoderConfig, ModelType } from './encoder-config.js';
import { byteLevelBpeTokenizer, type GeneratedTokenizer, mpnetWordPieceTokenizer, unigramTokenizer } from './generated-tokenizers.js';
import { SAMPLE_SENTENCES } from './sample-sentences.js';
import { maskedLmHeadShapes, parameterShapes } from './weights.js';
import { buildVocab, PAD_ID, tokenizerConfigJson, tokenizerJson } from './wordpiece-vocab.js';

/** WordPiece (BERT, DistilBERT; MPNet's has <s>/</s> specials), SentencePiece Unigram (XLM-R), byte-level BPE (RoBERTa). */
export type TokenizerKind = 'wordpiece' | 'unigram' | 'bpe';

export interface GenerateModelOptions {
  /** The architecture (model_type); default bert. */
  architecture?: ModelType;
  /** Default: the architecture's own (XLM-R Unigram, RoBERTa BPE, the others WordPiece). */
  tokenizer?: TokenizerKind;
  /** The shape, in BERT's config.json names whatever the architecture. */
  config?: Partial<BertConfigJson>;
  seed?: number;
  texts?: readonly string[];
  /** A ready WordPiece vocabulary (e.g. from the WordPiece trainer; BERT only); `texts` and `vocabSize` are then unused. */
  vocab?: readonly string[];
  /** Exact vocabulary size; defaults to what the texts give (WordPiece: every word, capped at 8,000 entries). */
  vocabSize?: number;
  /** Names carry the architecture's base-model prefix (`bert.`, `roberta.`, …), as task models save them. */
  prefixed?: boolean;
  /** Adds the architecture's masked-LM head tensors, which the backbone must ignore. */
  extraTensors?: boolean;
  pooler?: boolean;
  randomLayerNorm?: boolean;
  lowercase?: boolean;
}

const TINY: Omit<BertConfigJson, 'vocab_size'> = {
  architectures: ['BertModel'],
  model_type: 'bert',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 128,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: PAD_ID,
  position_embedding_type: 'absolute',
};

type Init = 'weight' | 'bias' | 'ln-weight' | 'ln-bias';

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: Init;
}

function initFor(name: string): Init {
  if (/(LayerNorm|layer_norm)\.weight$/.test(name)) return 'ln-weight';
  if (/(LayerNorm|layer_norm)\.bias$/.test(name)) return 'ln-bias';
  return name.endsWith('.bias') ? 'bias' : 'weight';
}

/** State-dict names and shapes in module order (Linear weights are [out, in]), pooler last unless left out. */
export function parameterSpecs(c: EncoderConfig, options: { prefixed?: boolean; pooler?: boolean } = {}): ParameterSpec[] {
  const p = options.prefixed ? `${architectureOf(c).prefix}.` : '';
  const shapes = [...parameterShapes(c)];
  // DistilBertModel has no pooler.
  if ((options.pooler ?? true) && c.modelType !== 'distilbert') shapes.push(['pooler.dense.weight', [c.hiddenSize, c.hiddenSize]], ['pooler.dense.bias', [c.hiddenSize]]);
  return shapes.map(([name, shape]) => ({ name: `${p}${name}`, shape, init: initFor(name) }));
}

/**
 * The masked-LM head each architecture's …ForMaskedLM saves beside the backbone (tied decoder
 * weights are not saved), in state-dict order: the head module's own bias first, unless the
 * bias belongs to the decoder submodule (DistilBERT's vocab_projector).
 */
function maskedLmSpecs(c: EncoderConfig): ParameterSpec[] {
  const { bias, decoder } = architectureOf(c).maskedLm;
  const shapes = [...maskedLmHeadShapes(c)];
  const ordered = bias.startsWith(`${decoder}.`) ? shapes : [...shapes.filter(([n]) => n === bias), ...shapes.filter(([n]) => n !== bias)];
  return ordered.map(([name, shape]) => ({ name, shape, init: initFor(name) }));
}

function fill(spec: ParameterSpec, rng: Rng, std: number, randomLayerNorm: boolean): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (spec.init) {
      case 'weight':
        out[i] = std * rng.normal();
        break;
      case 'bias':
        // Non-zero so a test notices a bias that is dropped or misplaced.
        out[i] = std * rng.normal();
        break;
      case 'ln-weight':
        out[i] = randomLayerNorm ? 1 + 0.1 * rng.normal() : 1;
        break;
      case 'ln-bias':
        out[i] = randomLayerNorm ? 0.1 * rng.normal() : 0;
        break;
    }
  }
  return out;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const DEFAULT_TOKENIZER: Record<ModelType, TokenizerKind> = { bert: 'wordpiece', distilbert: 'wordpiece', mpnet: 'wordpiece', roberta: 'bpe', 'xlm-roberta': 'unigram' };

function makeTokenizer(modelType: ModelType, kind: TokenizerKind, texts: readonly string[], o: GenerateModelOptions, maxLength: number): GeneratedTokenizer {
  const lowercase = o.lowercase ?? true;
  const vocabSize = o.vocabSize ?? o.config?.vocab_size;
  if (kind === 'unigram') return unigramTokenizer(texts, { vocabSize, maxLength });
  if (kind === 'bpe') return byteLevelBpeTokenizer(texts, { vocabSize, maxLength });
  if (modelType === 'mpnet') return mpnetWordPieceTokenizer(texts, { vocabSize, maxLength, lowercase });
  const vocab = o.vocab ?? buildVocab(texts, { vocabSize, lowercase });
  return {
    files: {
      'vocab.txt': `${vocab.join('\n')}\n`,
      'tokenizer.json': json(tokenizerJson(vocab, lowercase)),
      'tokenizer_config.json': json(tokenizerConfigJson(lowercase, maxLength)),
    },
    vocabSize: vocab.length,
    padId: PAD_ID,
  };
}

/**
 * config.json for the architecture: the BERT-named shape mapped to its own fields, with its
 * usual conventions (RoBERTa-style position tables 2 rows longer, LayerNorm eps 1e-5 where the
 * real models use it) and the tokenizer's padding id where positions depend on it.
 */
function architectureConfig(modelType: ModelType, shape: Omit<BertConfigJson, 'vocab_size'>, tok: GeneratedTokenizer): Record<string, unknown> {
  const arch = architectureOf({ modelType });
  const offsetPositions = arch.positionPaddingId !== undefined;
  const c: EncoderConfig = {
    modelType,
    vocabSize: tok.vocabSize,
    hiddenSize: shape.hidden_size,
    numLayers: shape.num_hidden_layers,
    numHeads: shape.num_attention_heads,
    intermediateSize: shape.intermediate_size,
    maxPositions: shape.max_position_embeddings + (offsetPositions ? tok.padId + 1 : 0),
    typeVocabSize: modelType === 'bert' ? shape.type_vocab_size : modelType === 'distilbert' || modelType === 'mpnet' ? 0 : 1,
    layerNormEps: modelType === 'distilbert' ? 1e-12 : offsetPositions && shape.layer_norm_eps === TINY.layer_norm_eps ? 1e-5 : shape.layer_norm_eps,
    hiddenDropout: shape.hidden_dropout_prob,
    attentionDropout: shape.attention_probs_dropout_prob,
    // BERT numbers positions from 0 whatever the padding; multilingual BERTs keep BertConfig's pad 0 beside a <pad> of 1.
    padTokenId: modelType === 'bert' ? shape.pad_token_id : tok.padId,
    relativeAttentionBuckets: modelType === 'mpnet' ? 32 : 0,
  };
  const raw = modelType === 'bert' ? { ...shape } : { initializer_range: shape.initializer_range };
  return arch.configJson(c, raw);
}

export async function generateModelFolder(dir: string, options: GenerateModelOptions = {}): Promise<void> {
  const modelType = options.architecture ?? 'bert';
  const shape = { ...TINY, ...options.config };
  const tok = makeTokenizer(modelType, options.tokenizer ?? DEFAULT_TOKENIZER[modelType], options.texts ?? SAMPLE_SENTENCES, options, shape.max_position_embeddings);
  // The vocabulary decides vocab_size, whatever the partial config said.
  const configJson = architectureConfig(modelType, shape, tok);
  const config = parseModelConfig(configJson, 'generated config');

  const rng = new Rng(options.seed ?? 1);
  const specs = parameterSpecs(config, { prefixed: options.prefixed, pooler: options.pooler });
  if (options.extraTensors) specs.push(...maskedLmSpecs(config));
  const tensors: [string, { shape: number[]; data: Float32Array }][] = specs.map((s) => [
    s.name,
    { shape: s.shape, data: fill(s, rng, shape.initializer_range, options.randomLayerNorm ?? false) },
  ]);

  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), json(configJson));
  for (const [name, text] of Object.entries(tok.files)) await writeFile(join(dir, name), text);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
}

/** The folder holding package.json, found from this module so it works from src/ or dist/. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new SentenceLensError('MISSING_FILE', `no package.json above ${dirname(fileURLToPath(import.meta.url))}`);
    }
    dir = parent;
  }
}

/** The sentences of `models/sentences.csv` (column `sentence`), empty rows dropped. */
export async function readBundledSentences(root: string = repositoryRoot()): Promise<string[]> {
  const path = join(root, 'models', 'sentences.csv');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SentenceLensError('MISSING_FILE', `${path}: bundled sentences not found`, { cause: e });
    }
    throw e;
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  } catch (e) {
    throw new SentenceLensError('BAD_CSV', `${path}: ${(e as Error).message}`, { cause: e });
  }
  if (rows.length === 0 || !('sentence' in rows[0]!)) {
    const found = rows.length === 0 ? 'no rows' : `columns ${Object.keys(rows[0]!).join(', ')}`;
    throw new SentenceLensError('BAD_CSV', `${path}: expected a "sentence" column, found ${found}`);
  }
  return rows.map((r) => (r.sentence ?? '').trim()).filter((s) => s.length > 0);
}
