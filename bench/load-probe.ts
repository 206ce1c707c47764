/**
 * One side's model load, alone in a fresh process so its memory is its own:
 *   node --import tsx bench/load-probe.ts ours|peer MODEL_DIR
 * prints {"loadMs", "rssMiB", "peakRssMiB"}: time until the model can embed, resident memory
 * after the load, and the process's peak. bench/infer.ts runs it for both sides.
 */
const [side, dir] = process.argv.slice(2);
if ((side !== 'ours' && side !== 'peer') || !dir) throw new Error('usage: load-probe.ts ours|peer MODEL_DIR');

const t0 = performance.now();
let embed: (texts: string[]) => Promise<unknown>;
if (side === 'ours') {
  const { SentenceModel } = await import('../src/engine/inference.js');
  const model = await SentenceModel.load(dir, { device: 'cpu' });
  embed = (texts) => model.run(texts);
} else {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  const peer = await pipeline('feature-extraction', dir, { device: 'cpu', dtype: 'fp32', local_files_only: true });
  embed = (texts) => peer(texts, { pooling: 'mean', normalize: false });
}
// Ready means one sentence embedded: lazy work after construction counts as loading.
await embed(['a first sentence']);
const loadMs = performance.now() - t0;
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
console.log(JSON.stringify({ loadMs: Math.round(loadMs), rssMiB: mib(process.memoryUsage().rss), peakRssMiB: mib(process.resourceUsage().maxRSS * 1024) }));
