/** Where Sentence Lens keeps what it derives from models (default heads, the measured device choice). */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** $SENTENCE_LENS_CACHE, else ~/.cache/sentence-lens. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['SENTENCE_LENS_CACHE'] || join(homedir(), '.cache', 'sentence-lens');
}
