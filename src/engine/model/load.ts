/** A model folder on disk → config, backbone weights, tokenizer and (if present) task heads. */
import { join } from 'node:path';
import { readSafetensors } from '../weights/safetensors.js';
import { SentenceTokenizer } from '../tokenizer.js';
import { isBertTensorName, selectBertWeights, type Tensor } from './bert-weights.js';
import { type BertConfig, readBertConfig } from './config.js';
import { hasHeads, readHeads, type TasksFile } from './tasks-file.js';

export interface LoadedModel {
  readonly dir: string;
  readonly config: BertConfig;
  readonly backbone: Map<string, Tensor>;
  readonly tokenizer: SentenceTokenizer;
  readonly heads?: { readonly tasksFile: TasksFile; readonly weights: Map<string, Tensor> };
}

export async function loadModelFolder(dir: string): Promise<LoadedModel> {
  const { config } = await readBertConfig(dir);
  const weightsPath = join(dir, 'model.safetensors');
  const [{ tensors }, tokenizer] = await Promise.all([
    readSafetensors(weightsPath, { filter: isBertTensorName }),
    SentenceTokenizer.load(dir),
  ]);
  const backbone = selectBertWeights(tensors, config, weightsPath);
  const heads = hasHeads(dir) ? await readHeads(dir, config.hiddenSize) : undefined;
  return { dir, config, backbone, tokenizer, heads };
}
