/**
 * Model ids already in the Hugging Face cache (a snapshot with config.json and model.safetensors),
 * so a model picker can offer what loads without a download first.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isFile, REQUIRED_FILES } from './cache-layout.js';
import { hubSettings } from './settings.js';

export async function cachedModelIds(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const cache = hubSettings(env).cacheDir;
  let names: string[];
  try {
    names = await readdir(cache);
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const name of names.filter((n) => n.startsWith('models--')).sort()) {
    const snapshots = join(cache, name, 'snapshots');
    let commits: string[];
    try {
      commits = await readdir(snapshots);
    } catch {
      continue;
    }
    for (const c of commits) {
      const complete = await Promise.all(REQUIRED_FILES.map((f) => isFile(join(snapshots, c, f))));
      if (complete.every(Boolean)) {
        ids.push(name.slice('models--'.length).split('--').join('/'));
        break;
      }
    }
  }
  return ids;
}
