/** A model folder's config.json → EncoderConfig, through its architecture's own field names. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { architectureOf, modelTypeOf } from './architectures.js';
import { ConfigFields, type EncoderConfig } from './encoder-config.js';

export type { EncoderConfig, ModelType } from './encoder-config.js';

export function parseModelConfig(json: unknown, source = 'config.json'): EncoderConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SentenceLensError('BAD_CONFIG', `${source}: expected a JSON object`);
  }
  const raw = json as Record<string, unknown>;
  const modelType = modelTypeOf(raw, source);
  return architectureOf({ modelType }).parseConfig(new ConfigFields(raw, source));
}

export async function readModelConfig(dir: string): Promise<{ config: EncoderConfig; raw: Record<string, unknown> }> {
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
  return { config: parseModelConfig(raw, path), raw: raw as Record<string, unknown> };
}
