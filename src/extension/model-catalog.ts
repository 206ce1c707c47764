/**
 * What Select Model… offers: a short list of recommended hub models per use, with their
 * download size, and the models already in the Hugging Face cache (read from the cache folder
 * with a few async directory reads: no model code, nothing that blocks the extension host).
 * Pure data and file listing; model.ts turns it into a quick pick.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hubCacheDir } from '../engine/hub/settings.js';

export type ModelUse = 'fast' | 'quality' | 'multilingual';

export interface RecommendedModel {
  readonly id: string;
  readonly use: ModelUse;
  /** Architecture and tokenizer, shape and languages, in a few words. */
  readonly summary: string;
  /** What a first use downloads: weights and tokenizer files (approximate). */
  readonly downloadBytes: number;
}

export const USE_TITLES: Readonly<Record<ModelUse, string>> = {
  fast: 'small and fast',
  quality: 'best quality',
  multilingual: 'multilingual',
};

/** Sizes are those of the repositories' model.safetensors plus tokenizer files, rounded. */
export const RECOMMENDED_MODELS: readonly RecommendedModel[] = [
  { id: 'sentence-transformers/all-MiniLM-L6-v2', use: 'fast', summary: 'BERT, 6 layers × 384, English', downloadBytes: 91e6 },
  { id: 'sentence-transformers/all-distilroberta-v1', use: 'fast', summary: 'RoBERTa, 6 layers × 768, English', downloadBytes: 330e6 },
  { id: 'sentence-transformers/all-mpnet-base-v2', use: 'quality', summary: 'MPNet, 12 layers × 768, English: the strongest general-purpose sentence-transformers model', downloadBytes: 439e6 },
  { id: 'sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2', use: 'multilingual', summary: 'BERT with a 250k SentencePiece vocabulary, 12 layers × 384, 50+ languages', downloadBytes: 480e6 },
  { id: 'intfloat/multilingual-e5-small', use: 'multilingual', summary: 'BERT with a 250k SentencePiece vocabulary, 12 layers × 384, ~100 languages', downloadBytes: 490e6 },
];

export interface CachedModel {
  readonly id: string;
  /** Bytes of the snapshot's files (what the model occupies in the cache). */
  readonly bytes: number;
  /** When the snapshot was last written, for ordering. */
  readonly modified: number;
}

/** "≈ 91 MB", "1.2 GB". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} kB`;
}

async function snapshotBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) continue;
    // stat follows the cache's symlinks to the blobs they point at.
    total += (await stat(join(entry.parentPath, entry.name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/** The cached snapshot `refs/main` points at, if it has a config.json and weights. */
async function usableSnapshot(repoDir: string): Promise<string | undefined> {
  const commit = (await readFile(join(repoDir, 'refs', 'main'), 'utf8').catch(() => '')).trim();
  if (!commit) return undefined;
  const snapshot = join(repoDir, 'snapshots', commit);
  const files = await readdir(snapshot).catch(() => [] as string[]);
  const hasWeights = files.includes('model.safetensors') || files.includes('model.safetensors.index.json');
  return files.includes('config.json') && hasWeights ? snapshot : undefined;
}

/** Models in the Hugging Face cache that Sentence Lens can load, most recently fetched first. */
export async function listCachedModels(env: NodeJS.ProcessEnv = process.env): Promise<CachedModel[]> {
  const cache = hubCacheDir(env);
  const names = await readdir(cache).catch(() => [] as string[]);
  const found: CachedModel[] = [];
  for (const name of names) {
    const m = /^models--(.+)$/.exec(name);
    if (!m) continue;
    const snapshot = await usableSnapshot(join(cache, name));
    if (!snapshot) continue;
    found.push({ id: m[1]!.split('--').join('/'), bytes: await snapshotBytes(snapshot), modified: (await stat(snapshot)).mtimeMs });
  }
  return found.sort((a, b) => b.modified - a.modified || (a.id < b.id ? -1 : 1));
}

export type ModelPick =
  | { readonly kind: 'separator'; readonly label: string }
  | { readonly kind: 'hub-model'; readonly id: string; readonly label: string; readonly description: string; readonly detail?: string }
  | { readonly kind: 'offline' | 'hub' | 'folder' | 'checkpoint'; readonly label: string; readonly detail: string };

/** The offline model's honest figures, from its model card (`offline-model.json`). */
export interface OfflineFigures {
  readonly topic: number;
  readonly sentiment: number;
  readonly paraphrase: number;
}

/** The figures in `offline-model.json` (written by the build's final report), or undefined if unreadable. */
export async function readOfflineFigures(dir: string): Promise<OfflineFigures | undefined> {
  try {
    const card = JSON.parse(await readFile(join(dir, 'offline-model.json'), 'utf8')) as {
      heldOut?: { topic?: { accuracy?: unknown }; sentiment?: { accuracy?: unknown } };
      paraphraseNearestNeighbour?: { share?: unknown };
    };
    const [topic, sentiment, paraphrase] = [card.heldOut?.topic?.accuracy, card.heldOut?.sentiment?.accuracy, card.paraphraseNearestNeighbour?.share];
    return typeof topic === 'number' && typeof sentiment === 'number' && typeof paraphrase === 'number' ? { topic, sentiment, paraphrase } : undefined;
  } catch {
    return undefined;
  }
}

function offlineDetail(present: boolean, figures: OfflineFigures | undefined): string {
  if (!present) return 'Not in this build (models/offline is missing)';
  const pct = (x: number, digits: number) => `${(100 * x).toFixed(digits)}%`;
  const measured = figures
    ? `held-out topic ${pct(figures.topic, 1)}, sentiment ${pct(figures.sentiment, 1)}; Find Similar finds the paraphrase for ${pct(figures.paraphrase, 0)}; `
    : '';
  return `Pretrained here on WordNet text, fine-tuned on the bundled sentences; ${measured}works without network`;
}

/**
 * The pick list: recommended models per use (marked when cached, no download then), the
 * other cached models with their size on disk, then the offline model and the free choices.
 */
export function modelPicks(cached: readonly CachedModel[], opts: { current: string; offlinePresent: boolean; offlineFigures?: OfflineFigures }): ModelPick[] {
  const cachedIds = new Map(cached.map((c) => [c.id, c]));
  const mark = (id: string) => (id === opts.current ? ' · current' : '');
  const picks: ModelPick[] = [];
  for (const use of Object.keys(USE_TITLES) as ModelUse[]) {
    picks.push({ kind: 'separator', label: USE_TITLES[use] });
    for (const r of RECOMMENDED_MODELS.filter((m) => m.use === use)) {
      const inCache = cachedIds.get(r.id);
      picks.push({
        kind: 'hub-model', id: r.id, label: `$(star-empty) ${r.id}`,
        description: `${inCache ? `in the cache (${formatBytes(inCache.bytes)})` : `≈ ${formatBytes(r.downloadBytes)} download`}${mark(r.id)}`,
        detail: r.summary,
      });
    }
  }
  const others = cached.filter((c) => !RECOMMENDED_MODELS.some((r) => r.id === c.id));
  if (others.length > 0) {
    picks.push({ kind: 'separator', label: 'in the Hugging Face cache' });
    for (const c of others) picks.push({ kind: 'hub-model', id: c.id, label: `$(database) ${c.id}`, description: `${formatBytes(c.bytes)} on disk${mark(c.id)}` });
  }
  picks.push(
    { kind: 'separator', label: 'other' },
    { kind: 'offline', label: '$(package) Offline model', detail: offlineDetail(opts.offlinePresent, opts.offlineFigures) },
    { kind: 'hub', label: '$(cloud-download) Hugging Face model…', detail: 'Any BERT, RoBERTa, XLM-RoBERTa, DistilBERT or MPNet model id (downloaded into the Hugging Face cache)' },
    { kind: 'folder', label: '$(folder) Local model folder…', detail: 'A folder with config.json, tokenizer files and model.safetensors (heads optional)' },
    { kind: 'checkpoint', label: '$(history) Checkpoint…', detail: 'A checkpoint folder saved by Sentence Lens training; overrides the model while set' },
  );
  return picks;
}
