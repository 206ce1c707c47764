/**
 * What `--model` (and the model setting) may name: a hub id, a model folder, a full
 * checkpoint, or a heads-only checkpoint whose tasks.json points at its backbone.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { type DownloadOptions, resolveModel } from '../hub.js';
import { hasModelWeights } from '../weights/model-weights.js';
import { hasHeads } from './tasks-file.js';
import { parseTasksFile } from './tasks-file.js';
import { readFile } from 'node:fs/promises';

export interface ModelSource {
  /** Folder with config.json, tokenizer files and model.safetensors. */
  readonly backboneDir: string;
  /** Folder with tasks.json and heads.safetensors, when the model has heads. */
  readonly headsDir?: string;
  /** Hub id of the backbone, or '' for a local folder. */
  readonly modelId: string;
  readonly commit: string;
}

export async function resolveModelSource(idOrPath: string, opts: DownloadOptions = {}): Promise<ModelSource> {
  const loc = await resolveModel(idOrPath, opts);
  const dir = loc.dir;
  if (hasModelWeights(dir) || !existsSync(join(dir, 'tasks.json'))) {
    return { backboneDir: dir, headsDir: hasHeads(dir) ? dir : undefined, modelId: loc.commit ? loc.modelId : '', commit: loc.commit };
  }
  // Heads-only checkpoint: find its backbone.
  const tasksPath = join(dir, 'tasks.json');
  const tasks = parseTasksFile(JSON.parse(await readFile(tasksPath, 'utf8')), tasksPath);
  const base = tasks.base;
  if (!base || (!base.path && !base.modelId)) {
    throw new SentenceLensError('BAD_CONFIG', `${tasksPath}: a heads-only checkpoint must name its base model ("base": {"modelId", "commit"} or {"path"})`);
  }
  if (base.path) {
    const baseDir = isAbsolute(base.path) ? base.path : resolve(dir, base.path);
    const b = await resolveModel(baseDir, opts);
    return { backboneDir: b.dir, headsDir: dir, modelId: '', commit: '' };
  }
  const b = await resolveModel(base.modelId!, { ...opts, revision: base.commit || opts.revision });
  return { backboneDir: b.dir, headsDir: dir, modelId: b.modelId, commit: b.commit };
}
