/** A model on disk → config, backbone weights, tokenizer and (if present) task heads. */
import { SentenceLensError } from '../errors.js';
import { SentenceTokenizer } from '../tokenizer.js';
import { readModelWeights } from '../weights/model-weights.js';
import type { SafetensorsFloatDtype } from '../weights/safetensors.js';
import { architectureOf } from './architectures.js';
import { readModelConfig } from './config.js';
import type { EncoderConfig } from './encoder-config.js';
import type { ModelSource } from './source.js';
import { hasHeads, readHeads, type TasksFile } from './tasks-file.js';
import type { Tensor } from './tensor.js';
import { backboneTensorFilter, isPoolerName, selectBackboneWeights, withoutPrefix } from './weights.js';

export interface LoadedModel {
  readonly dir: string;
  readonly source: ModelSource;
  readonly config: EncoderConfig;
  readonly rawConfig: Record<string, unknown>;
  readonly backbone: Map<string, Tensor>;
  /** Backbone tensors the encoder does not use but a checkpoint should keep (the pooler). */
  readonly extras: Map<string, Tensor>;
  /** The float type the weights were stored in (fp16/bf16 are converted to fp32 on load). */
  readonly weightsDtype: SafetensorsFloatDtype;
  readonly tokenizer: SentenceTokenizer;
  readonly heads?: { readonly tasksFile: TasksFile; readonly weights: Map<string, Tensor> };
}

export async function loadModel(source: ModelSource): Promise<LoadedModel> {
  const dir = source.backboneDir;
  const { config, raw } = await readModelConfig(dir);
  const [weights, tokenizer] = await Promise.all([
    readModelWeights(dir, { filter: backboneTensorFilter(config) }),
    SentenceTokenizer.load(dir),
  ]);
  checkPadding(config, tokenizer, dir);
  const backbone = selectBackboneWeights(weights.tensors, config, weights.source);
  const extras = new Map([...weights.tensors].filter(([n]) => isPoolerName(config, n)).map(([n, t]) => [withoutPrefix(config, n), t]));
  const heads = source.headsDir ? await readHeads(source.headsDir, config.hiddenSize) : undefined;
  return { dir, source, config, rawConfig: raw, backbone, extras, weightsDtype: weights.dtype, tokenizer, heads };
}

/**
 * RoBERTa-style position ids count the tokens that are not padding, so the id the tokenizer
 * pads with must be the model's padding id, or padded rows would index past the position table.
 */
function checkPadding(config: EncoderConfig, tokenizer: SentenceTokenizer, dir: string): void {
  const arch = architectureOf(config);
  const padId = arch.positionPaddingId?.(config);
  if (padId !== undefined && tokenizer.padId !== padId) {
    throw new SentenceLensError('BAD_CONFIG', `${dir}: the tokenizer pads with id ${tokenizer.padId} but ${arch.modelClass} numbers positions after padding id ${padId}; the tokenizer's pad token and config.json's pad_token_id must name the same token`);
  }
}

/** A local model folder (with its heads, if it has them). */
export async function loadModelFolder(dir: string): Promise<LoadedModel> {
  return loadModel({ backboneDir: dir, headsDir: hasHeads(dir) ? dir : undefined, modelId: '', commit: '' });
}
