/**
 * A model folder's weights: `model.safetensors`, or the shards that
 * `model.safetensors.index.json` lists (as transformers' save_pretrained writes large models),
 * read as F32 whatever the stored dtype, with the dtype reported so it can be saved back.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { readSafetensors, type SafetensorsFloatDtype, type SafetensorsTensor } from './safetensors.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

export interface ModelWeights {
  readonly tensors: Map<string, SafetensorsTensor>;
  /** The stored dtype of most of the tensors read (what "save in the source dtype" writes). */
  readonly dtype: SafetensorsFloatDtype;
  /** The file the tensors came from, or the index of the shards, for error messages. */
  readonly source: string;
}

/** The shard files a `model.safetensors.index.json` maps tensors to: name → shard file name. */
export async function readWeightIndex(path: string): Promise<Map<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SentenceLensError('MISSING_FILE', `${path} not found`, { cause: e });
    throw new SentenceLensError('BAD_SAFETENSORS', `${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new SentenceLensError('BAD_SAFETENSORS', `${path}: expected {"weight_map": {"<tensor>": "<shard file>", …}}`);
  }
  const out = new Map<string, string>();
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
    // A shard is a plain file beside the index; anything else could read outside the folder.
    if (typeof file !== 'string' || !file.endsWith('.safetensors') || /[\\/]/.test(file)) {
      throw new SentenceLensError('BAD_SAFETENSORS', `${path}: weight_map["${name}"] should name a .safetensors file beside the index, found ${JSON.stringify(file)}`);
    }
    out.set(name, file);
  }
  return out;
}

function dominantDtype(tensors: Map<string, SafetensorsTensor>): SafetensorsFloatDtype {
  const elements = new Map<SafetensorsFloatDtype, number>();
  for (const t of tensors.values()) elements.set(t.dtype, (elements.get(t.dtype) ?? 0) + t.data.length);
  let best: SafetensorsFloatDtype = 'F32';
  for (const [d, n] of elements) if (n > (elements.get(best) ?? 0)) best = d;
  return best;
}

/** Reads the tensors `filter` accepts from the folder's single file or its shards. */
export async function readModelWeights(dir: string, options: { filter?: (name: string) => boolean } = {}): Promise<ModelWeights> {
  const single = join(dir, WEIGHTS_FILE);
  const indexPath = join(dir, WEIGHTS_INDEX_FILE);
  if (existsSync(single) || !existsSync(indexPath)) {
    const { tensors } = await readSafetensors(single, options);
    return { tensors, dtype: dominantDtype(tensors), source: single };
  }
  const index = await readWeightIndex(indexPath);
  const shards = new Set([...index].filter(([name]) => !options.filter || options.filter(name)).map(([, file]) => file));
  const tensors = new Map<string, SafetensorsTensor>();
  for (const file of [...shards].sort()) {
    const path = join(dirname(indexPath), file);
    if (!existsSync(path)) throw new SentenceLensError('MISSING_FILE', `${indexPath} lists shard ${file}, which is not in ${dir}`);
    const wanted = (name: string) => index.get(name) === file && (!options.filter || options.filter(name));
    for (const [name, t] of (await readSafetensors(path, { filter: wanted })).tensors) tensors.set(name, t);
  }
  return { tensors, dtype: dominantDtype(tensors), source: indexPath };
}

/** Whether a folder holds backbone weights (one file or an index of shards). */
export function hasModelWeights(dir: string): boolean {
  return existsSync(join(dir, WEIGHTS_FILE)) || existsSync(join(dir, WEIGHTS_INDEX_FILE));
}
