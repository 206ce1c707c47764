/** BertConfig from a Hugging Face config.json, validated with errors that name the field. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceLensError } from '../errors.js';

export interface BertConfig {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  readonly maxPositions: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly hiddenDropout: number;
  readonly attentionDropout: number;
  readonly padTokenId: number;
}

const SUPPORTED_ACTIVATIONS = new Set(['gelu', 'gelu_python']);
const SUPPORTED_TYPES = new Set(['bert']);

export function parseBertConfig(json: unknown, source = 'config.json'): BertConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SentenceLensError('BAD_CONFIG', `${source}: expected a JSON object`);
  }
  const c = json as Record<string, unknown>;
  const modelType = c['model_type'];
  if (modelType !== undefined && !SUPPORTED_TYPES.has(String(modelType))) {
    throw new SentenceLensError('UNSUPPORTED', `${source}: model_type "${String(modelType)}" is not supported; Sentence Lens runs BERT-family models (model_type "bert")`);
  }
  const archs = c['architectures'];
  if (Array.isArray(archs) && archs.length > 0 && !archs.some((a) => typeof a === 'string' && a.startsWith('Bert'))) {
    throw new SentenceLensError('UNSUPPORTED', `${source}: architecture ${JSON.stringify(archs)} is not supported; expected a BERT model (e.g. BertModel)`);
  }
  const act = c['hidden_act'] ?? 'gelu';
  if (typeof act !== 'string' || !SUPPORTED_ACTIVATIONS.has(act)) {
    throw new SentenceLensError('UNSUPPORTED', `${source}: hidden_act ${JSON.stringify(act)} is not supported; expected "gelu" (exact, erf-based)`);
  }
  const pos = c['position_embedding_type'] ?? 'absolute';
  if (pos !== 'absolute') {
    throw new SentenceLensError('UNSUPPORTED', `${source}: position_embedding_type ${JSON.stringify(pos)} is not supported; expected "absolute"`);
  }
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new SentenceLensError('BAD_CONFIG', `${source}: "${key}" must be a positive integer, found ${JSON.stringify(c[key])}`);
    }
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new SentenceLensError('BAD_CONFIG', `${source}: "${key}" must be a non-negative number, found ${JSON.stringify(c[key])}`);
    }
    return v;
  };
  const hiddenSize = int('hidden_size');
  const numHeads = int('num_attention_heads');
  if (hiddenSize % numHeads !== 0) {
    throw new SentenceLensError('BAD_CONFIG', `${source}: hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads}`);
  }
  return {
    vocabSize: int('vocab_size'),
    hiddenSize,
    numLayers: int('num_hidden_layers'),
    numHeads,
    intermediateSize: int('intermediate_size'),
    maxPositions: int('max_position_embeddings', 512),
    typeVocabSize: int('type_vocab_size', 2),
    layerNormEps: num('layer_norm_eps', 1e-12),
    hiddenDropout: num('hidden_dropout_prob', 0.1),
    attentionDropout: num('attention_probs_dropout_prob', 0.1),
    padTokenId: (c['pad_token_id'] as number | undefined) ?? 0,
  };
}

export async function readBertConfig(dir: string): Promise<{ config: BertConfig; raw: Record<string, unknown> }> {
  const path = join(dir, 'config.json');
  if (!existsSync(dir)) throw new SentenceLensError('MISSING_FILE', `model folder ${dir} does not exist`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new SentenceLensError('MISSING_FILE', `${path} not found: a model folder needs config.json, tokenizer.json and model.safetensors`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SentenceLensError('BAD_CONFIG', `${path}: not valid JSON (${(e as Error).message})`);
  }
  return { config: parseBertConfig(raw, path), raw: raw as Record<string, unknown> };
}
