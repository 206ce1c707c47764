/** A model on disk → config, backbone weights, tokenizer and (if present) task heads. */
import { join } from 'node:path';
import { readSafetensors } from '../weights/safetensors.js';
import { SentenceTokenizer } from '../tokenizer.js';
import { isBertTensorName, selectBertWeights, type Tensor } from './bert-weights.js';
import { type BertConfig, readBertConfig } from './config.js';
import type { ModelSource } from './source.js';
import { hasHeads, readHeads, type TasksFile } from './tasks-file.js';

export interface LoadedModel {
  readonly dir: string;
  readonly source: ModelSource;
  readonly config: BertConfig;
  readonly rawConfig: Record<string, unknown>;
  readonly backbone: Map<string, Tensor>;
  /** Backbone tensors the encoder does not use but a checkpoint should keep (the pooler). */
  readonly extras: Map<string, Tensor>;
  readonly tokenizer: SentenceTokenizer;
  readonly heads?: { readonly tasksFile: TasksFile; readonly weights: Map<string, Tensor> };
}

const isPooler = (name: string): boolean => name.replace(/^bert\./, '').startsWith('pooler.');

export async function loadModel(source: ModelSource): Promise<LoadedModel> {
  const dir = source.backboneDir;
  const { config, raw } = await readBertConfig(dir);
  const weightsPath = join(dir, 'model.safetensors');
  const [{ tensors }, tokenizer] = await Promise.all([
    readSafetensors(weightsPath, { filter: (n) => isBertTensorName(n) || isPooler(n) }),
    SentenceTokenizer.load(dir),
  ]);
  const backbone = selectBertWeights(tensors, config, weightsPath);
  const extras = new Map([...tensors].filter(([n]) => isPooler(n)).map(([n, t]) => [n.replace(/^bert\./, ''), t]));
  const heads = source.headsDir ? await readHeads(source.headsDir, config.hiddenSize) : undefined;
  return { dir, source, config, rawConfig: raw, backbone, extras, tokenizer, heads };
}

/** A local model folder (with its heads, if it has them). */
export async function loadModelFolder(dir: string): Promise<LoadedModel> {
  return loadModel({ backboneDir: dir, headsDir: hasHeads(dir) ? dir : undefined, modelId: '', commit: '' });
}
