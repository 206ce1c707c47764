/**
 * Deterministic Hugging Face-format BERT folders for tests and the offline model's starting
 * point: same options, byte-identical files, so failures reproduce.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { SentenceLensError } from '../errors.js';
import { Rng } from '../random.js';
import { writeSafetensors } from '../weights/safetensors.js';
import type { BertConfigJson } from './config-json.js';
import { bertParameterShapes } from './bert-weights.js';
import { parseBertConfig } from './config.js';
import { SAMPLE_SENTENCES } from './sample-sentences.js';
import { buildVocab, PAD_ID, tokenizerConfigJson, tokenizerJson } from './wordpiece-vocab.js';

export interface GenerateModelOptions {
  config?: Partial<BertConfigJson>;
  seed?: number;
  texts?: readonly string[];
  /** A ready vocabulary (e.g. from the WordPiece trainer); `texts` and `vocabSize` are then unused. */
  vocab?: readonly string[];
  /** Exact vocabulary size; defaults to every word seen, capped at 8,000 entries. */
  vocabSize?: number;
  prefix?: 'bert.' | '';
  /** Adds masked-LM head tensors that a BertModel must ignore. */
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

/** BertModel state-dict names and shapes in module order (Linear weights are [out, in]). */
export function bertParameterSpecs(config: BertConfigJson, options: { prefix?: string; pooler?: boolean } = {}): ParameterSpec[] {
  const p = options.prefix ?? '';
  const H = config.hidden_size;
  const shapes = [...bertParameterShapes(parseBertConfig(config, 'generated config'))];
  if (options.pooler ?? true) shapes.push(['pooler.dense.weight', [H, H]], ['pooler.dense.bias', [H]]);
  return shapes.map(([name, shape]) => ({ name: `${p}${name}`, shape, init: initFor(name) }));
}

function initFor(name: string): Init {
  if (name.endsWith('LayerNorm.weight')) return 'ln-weight';
  if (name.endsWith('LayerNorm.bias')) return 'ln-bias';
  return name.endsWith('.bias') ? 'bias' : 'weight';
}

function maskedLmSpecs(config: BertConfigJson): ParameterSpec[] {
  const H = config.hidden_size;
  return [
    { name: 'cls.predictions.bias', shape: [config.vocab_size], init: 'bias' },
    { name: 'cls.predictions.transform.dense.weight', shape: [H, H], init: 'weight' },
    { name: 'cls.predictions.transform.dense.bias', shape: [H], init: 'bias' },
    { name: 'cls.predictions.transform.LayerNorm.weight', shape: [H], init: 'ln-weight' },
    { name: 'cls.predictions.transform.LayerNorm.bias', shape: [H], init: 'ln-bias' },
  ];
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

export async function generateModelFolder(dir: string, options: GenerateModelOptions = {}): Promise<void> {
  const lowercase = options.lowercase ?? true;
  const vocab = options.vocab ?? buildVocab(options.texts ?? SAMPLE_SENTENCES, {
    vocabSize: options.vocabSize ?? options.config?.vocab_size,
    lowercase,
  });
  // The vocabulary decides vocab_size, whatever the partial config said.
  const config: BertConfigJson = { ...TINY, ...options.config, vocab_size: vocab.length };
  parseBertConfig(config, 'generated config');

  const rng = new Rng(options.seed ?? 1);
  const specs = bertParameterSpecs(config, { prefix: options.prefix ?? '', pooler: options.pooler ?? true });
  if (options.extraTensors) specs.push(...maskedLmSpecs(config));
  const tensors: [string, { shape: number[]; data: Float32Array }][] = specs.map((s) => [
    s.name,
    { shape: s.shape, data: fill(s, rng, config.initializer_range, options.randomLayerNorm ?? false) },
  ]);

  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), json(config));
  await writeFile(join(dir, 'vocab.txt'), `${vocab.join('\n')}\n`);
  await writeFile(join(dir, 'tokenizer.json'), json(tokenizerJson(vocab, lowercase)));
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    json(tokenizerConfigJson(lowercase, config.max_position_embeddings)),
  );
  // (writeTokenizerFiles in pretrain/vocabulary.ts writes the same three files for a new vocabulary.)
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
