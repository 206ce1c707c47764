/**
 * Inference throughput on the CPU, against the machine's GEMM peak and against the peer
 * (transformers.js's feature-extraction pipeline on the same weights), in one run; for the
 * MPNet and XLM-R shapes also load time and memory, each side in its own process.
 *   npm run bench:infer [-- --shape minilm|bert-base|mpnet-base|xlmr-base|all] [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { env as hfEnv, pipeline } from '@huggingface/transformers';
import { SentenceModel } from '../src/engine/inference.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { buildInferenceGraph } from '../src/engine/model/inference-graph.js';
import { loadModelFolder } from '../src/engine/model/load.js';
import { Rng } from '../src/engine/random.js';
import type { SentenceTokenizer } from '../src/engine/tokenizer.js';
import { INFER_SHAPES, type Shape, generateShapeFolder } from './shapes.js';
import { describeMachine, gemmPeak, timeIt } from './machine.js';


const { values } = parseArgs({ options: { shape: { type: 'string', default: 'all' }, quick: { type: 'boolean', default: false } } });
const quick = values.quick!;
const shapes: Shape[] = values.shape === 'all' ? Object.values(INFER_SHAPES) : [INFER_SHAPES[values.shape as keyof typeof INFER_SHAPES]];
if (shapes.some((s) => !s)) throw new Error(`--shape expects ${Object.keys(INFER_SHAPES).join(', ')} or all`);

/** Model FLOPs of a forward pass: 2 per multiply-add in every projection and attention product. */
function forwardFlops(s: Shape, batch: number, seq: number): number {
  const tokens = batch * seq;
  const dense = 2 * tokens * (4 * s.hidden * s.hidden + 2 * s.hidden * s.intermediate);
  const attention = 2 * 2 * batch * seq * seq * s.hidden;
  return s.layers * (dense + attention);
}

/**
 * Times A and B in alternating rounds (A, B, A, B, A, B) and returns each one's median over the
 * rounds, so a load change on a shared machine falls on both sides rather than on one.
 */
async function alternate(a: () => Promise<unknown>, b: () => Promise<unknown>, budgetMs: number): Promise<[{ meanMs: number }, { meanMs: number }]> {
  const ra: number[] = [];
  const rb: number[] = [];
  for (let round = 0; round < 3; round++) {
    ra.push((await timeIt(a, 1, budgetMs / 3)).meanMs);
    rb.push((await timeIt(b, 1, budgetMs / 3)).meanMs);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1]!;
  return [{ meanMs: median(ra) }, { meanMs: median(rb) }];
}

/** Texts that tokenize to exactly `seq` tokens: seq − 2 words that are one token each. */
function uniformTexts(words: string[], batch: number, seq: number, rng: Rng): string[] {
  return Array.from({ length: batch }, () => Array.from({ length: seq - 2 }, () => words[rng.int(words.length)]).join(' '));
}

/** Words of the sentences that this tokenizer keeps whole (one token between the two specials). */
function singleTokenWords(tokenizer: SentenceTokenizer, sentences: readonly string[]): string[] {
  const candidates = [...new Set(sentences.flatMap((s) => s.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length >= 3))];
  const { ids } = tokenizer.encode(candidates, 16);
  return candidates.filter((_, i) => ids[i]!.length === 3);
}

/** Load time and memory of one side, measured in a fresh process (bench/load-probe.ts). */
function loadProbe(side: 'ours' | 'peer', dir: string): { loadMs: number; rssMiB: number; peakRssMiB: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/load-probe.ts', side, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function printLoad(dir: string): void {
  // Alternating, three rounds each, medians: load time on a shared machine wanders.
  const runs: Record<'ours' | 'peer', ReturnType<typeof loadProbe>[]> = { ours: [], peer: [] };
  for (let round = 0; round < 3; round++) for (const side of ['ours', 'peer'] as const) runs[side].push(loadProbe(side, dir));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  const m = (side: 'ours' | 'peer', k: 'loadMs' | 'rssMiB' | 'peakRssMiB') => median(runs[side].map((r) => r[k]));
  console.log('| load (fresh process, to the first embedding) | Sentence Lens | transformers.js | ratio |');
  console.log('|---|---|---|---|');
  console.log(`| load time | ${m('ours', 'loadMs')} ms | ${m('peer', 'loadMs')} ms | ${(m('ours', 'loadMs') / m('peer', 'loadMs')).toFixed(2)}× |`);
  console.log(`| resident memory after load | ${m('ours', 'rssMiB')} MiB | ${m('peer', 'rssMiB')} MiB | ${(m('ours', 'rssMiB') / m('peer', 'rssMiB')).toFixed(2)}× |`);
  console.log(`| peak resident memory | ${m('ours', 'peakRssMiB')} MiB | ${m('peer', 'peakRssMiB')} MiB | ${(m('ours', 'peakRssMiB') / m('peer', 'peakRssMiB')).toFixed(2)}× |`);
  console.log('');
}

async function main(): Promise<void> {
  console.log(`# bench:infer — ${new Date().toISOString()}`);
  console.log(`machine: ${describeMachine()}`);
  const peak = await gemmPeak(quick ? 500 : 3000);
  console.log(`GEMM peak (ONNX MatMul 2048³, reduced in-graph): ${peak.toFixed(1)} GFLOP/s\n`);
  const sentences = await readBundledSentences();
  hfEnv.allowRemoteModels = false;
  hfEnv.allowLocalModels = true;
  hfEnv.useFSCache = false;

  for (const shape of shapes) {
    const dir = await mkdtemp(join(tmpdir(), 'sl-bench-'));
    try {
      await generateShapeFolder(dir, shape, sentences);
      // The peer runs the same weights through our exported graph (token states out).
      const loaded = await loadModelFolder(dir);
      await mkdir(join(dir, 'onnx'));
      const peerGraph = buildInferenceGraph(loaded.config, loaded.backbone, new Map(), { pooling: 'mean', normalize: false, tasks: [], tokenStatesOutput: 'last_hidden_state' });
      await writeFile(join(dir, 'onnx', 'model.onnx'), peerGraph.toBytes());
      console.log(`## ${shape.name}: ${shape.layers} layers × ${shape.hidden} hidden, ${shape.heads} heads, ${shape.intermediate} intermediate, ${loaded.config.vocabSize.toLocaleString('en')}-entry vocabulary (random weights)`);
      // Before this process holds either model, so the probes' memory is not squeezed by it.
      if (shape.architecture) printLoad(dir);
      const peer = await pipeline('feature-extraction', dir, { device: 'cpu', dtype: 'fp32', local_files_only: true });
      const vocabWords = singleTokenWords(loaded.tokenizer, sentences);
      const rng = new Rng(7);
      console.log('| workload | Sentence Lens sent/s | GFLOP/s | % of GEMM peak | transformers.js sent/s | ratio |');
      console.log('|---|---|---|---|---|---|');
      const budget = quick ? 300 : shape.layers > 6 ? 4000 : 2500;
      for (const seq of [32, 128]) {
        for (const batch of [1, 8, 32]) {
          const texts = uniformTexts(vocabWords, batch, seq, rng);
          const ours = await SentenceModel.fromLoaded(loaded, { device: 'cpu', batchSize: batch, maxLength: 512 });
          const check = ours.tokenizer.encode(texts, 512).ids;
          if (check.some((r) => r.length !== seq)) throw new Error('uniform texts did not tokenize to the intended length');
          await ours.run(texts);
          await peer(texts, { pooling: 'mean', normalize: false });
          const [a, b] = await alternate(() => ours.run(texts), () => peer(texts, { pooling: 'mean', normalize: false }), budget);
          await ours.release();
          const oursRate = batch / (a.meanMs / 1000);
          const peerRate = batch / (b.meanMs / 1000);
          const gflops = forwardFlops(shape, batch, seq) / (a.meanMs / 1000) / 1e9;
          console.log(`| uniform batch ${batch} × seq ${seq} | ${oursRate.toFixed(1)} | ${gflops.toFixed(1)} | ${((100 * gflops) / peak).toFixed(0)}% | ${peerRate.toFixed(1)} | ${(oursRate / peerRate).toFixed(2)}× |`);
          if (batch === 1) console.log(`|   (batch-1 latency: ours ${a.meanMs.toFixed(1)} ms, peer ${b.meanMs.toFixed(1)} ms) | | | | | |`);
        }
      }
      // The document: every bundled sentence in file order, batch 32, as the editor sends them.
      const doc = quick ? sentences.slice(0, 128) : sentences;
      const ours = await SentenceModel.fromLoaded(loaded, { device: 'cpu', batchSize: 32, maxLength: 128 });
      const tokenCount = ours.tokenizer.encode(doc, 128).ids.reduce((s, r) => s + r.length, 0);
      await ours.run(doc.slice(0, 32));
      const runPeer = async () => {
        for (let i = 0; i < doc.length; i += 32) await peer(doc.slice(i, i + 32), { pooling: 'mean', normalize: false });
      };
      const [a, b] = await alternate(() => ours.run(doc), runPeer, quick ? 0 : budget);
      await ours.release();
      const oursRate = doc.length / (a.meanMs / 1000);
      const peerRate = doc.length / (b.meanMs / 1000);
      console.log(`| document: ${doc.length} bundled sentences in file order, batch 32 (${tokenCount} tokens) | ${oursRate.toFixed(1)} | | | ${peerRate.toFixed(1)} | ${(oursRate / peerRate).toFixed(2)}× |`);
      console.log('');
      await peer.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

await main();
