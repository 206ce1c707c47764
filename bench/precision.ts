/**
 * Reduced precision, speed and accuracy, each against its baseline in the same run:
 *   npm run bench:precision [-- --shape minilm|bert-base|all] [--quick] [--fp16] [--accuracy-only]
 * - CPU throughput: our fp32, our int8, and transformers.js fp32 (same weights, same
 *   sentences) on uniform batch 32 (seq 32 and 128), batch 1, and the document workload
 *   (every bundled sentence in file order, batch 32); timed in alternating rounds, medians.
 * - the three ONNX spellings of the int8 projection (graph/ops/quantized.ts) on one workload.
 * - accuracy against fp32 on the bundled sentences: labels agreeing and embedding cosine, for
 *   the offline model and a MiniLM-shaped model with topic/sentiment heads trained on the
 *   bundled data; int8 on the CPU and (--fp16) fp16 on WebGPU.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { env as hfEnv, pipeline } from '@huggingface/transformers';
import { INT8_FORMS } from '../src/engine/graph/index.js';
import { SentenceModel, type SentenceResult } from '../src/engine/inference.js';
import { type DefaultHeadsSettings, prepareSentenceModel } from '../src/engine/prepare-model.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { buildInferenceGraph } from '../src/engine/model/inference-graph.js';
import { loadModelFolder, type LoadedModel } from '../src/engine/model/load.js';
import { int8WeightBits, type Precision } from '../src/engine/model/precision.js';
import { Rng } from '../src/engine/random.js';
import { createSession, encoderFeeds } from '../src/engine/runtime/session.js';
import { SentenceTokenizer } from '../src/engine/tokenizer.js';
import { describeMachine, timeIt } from './machine.js';
import { SHAPES, type Shape, generateShapeFolder } from './shapes.js';

const { values } = parseArgs({ options: { shape: { type: 'string', default: 'all' }, quick: { type: 'boolean', default: false }, fp16: { type: 'boolean', default: false }, 'accuracy-only': { type: 'boolean', default: false } } });
const quick = values.quick!;
const shapes = values.shape === 'all' ? Object.values(SHAPES) : [SHAPES[values.shape as keyof typeof SHAPES]];
if (shapes.some((s) => !s)) throw new Error('--shape expects minilm, bert-base or all');
const root = new URL('../', import.meta.url).pathname;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Each function timed in turn, `rounds` times over; the median per function (a load change falls on all). */
async function alternate(fns: (() => Promise<unknown>)[], budgetMs: number, rounds = 3): Promise<number[]> {
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, fn] of fns.entries()) times[i]!.push((await timeIt(fn, 1, budgetMs / rounds)).meanMs);
  }
  return times.map(median);
}

/** Texts that tokenize to exactly `seq` tokens: seq − 2 whole vocabulary words. */
function uniformTexts(words: string[], batch: number, seq: number, rng: Rng): string[] {
  return Array.from({ length: batch }, () => Array.from({ length: seq - 2 }, () => words[rng.int(words.length)]).join(' '));
}

async function throughput(shape: Shape, dir: string, loaded: LoadedModel, sentences: string[]): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const peerGraph = buildInferenceGraph(loaded.config, loaded.backbone, new Map(), { pooling: 'mean', normalize: false, tasks: [], tokenStatesOutput: 'last_hidden_state' });
  await writeFile(join(dir, 'onnx', 'model.onnx'), peerGraph.toBytes());
  const peer = await pipeline('feature-extraction', dir, { device: 'cpu', dtype: 'fp32', local_files_only: true });
  const words = readFileSync(join(dir, 'vocab.txt'), 'utf8').split('\n').filter((w) => /^[a-z]{3,}$/.test(w));
  const rng = new Rng(7);
  const budget = quick ? 600 : shape.layers > 6 ? 6000 : 4000;
  console.log(`\n## ${shape.name}: ${shape.layers} layers × ${shape.hidden} hidden (random weights), CPU`);
  console.log('| workload | fp32 sent/s | int8 sent/s | int8 / fp32 | transformers.js fp32 sent/s | int8 / transformers.js |');
  console.log('|---|---|---|---|---|---|');
  const workloads: [string, string[], number][] = [
    ['uniform batch 32 × seq 32', uniformTexts(words, 32, 32, rng), 32],
    ['uniform batch 32 × seq 128', uniformTexts(words, 32, 128, rng), 32],
    ['uniform batch 1 × seq 32', uniformTexts(words, 1, 32, rng), 1],
    [`document: ${sentences.length} bundled sentences in file order, batch 32`, sentences, 32],
  ];
  for (const [name, texts, batch] of quick ? workloads.slice(1, 2) : workloads) {
    const models = await Promise.all((['fp32', 'int8'] as Precision[]).map((p) => SentenceModel.fromLoaded(loaded, { device: 'cpu', precision: p, batchSize: batch, maxLength: 512 })));
    const runPeer = async () => {
      for (let i = 0; i < texts.length; i += batch) await peer(texts.slice(i, i + batch), { pooling: 'mean', normalize: false });
    };
    for (const m of models) await m.run(texts.slice(0, batch));
    await runPeer();
    const [a, b, c] = await alternate([() => models[0]!.run(texts), () => models[1]!.run(texts), runPeer], budget);
    for (const m of models) await m.release();
    const rate = (ms: number) => texts.length / (ms / 1000);
    console.log(`| ${name} | ${rate(a!).toFixed(1)} | ${rate(b!).toFixed(1)} | **${(a! / b!).toFixed(2)}×** | ${rate(c!).toFixed(1)} | ${(c! / b!).toFixed(2)}× |`);
  }
  await peer.dispose();
}

/** The int8 spellings against fp32 on uniform batch 32 × seq 128, in one alternating run. */
async function forms(loaded: LoadedModel): Promise<void> {
  const rng = new Rng(9);
  const [B, S] = [32, 128];
  const ids = Array.from({ length: B }, () => [2, ...Array.from({ length: S - 2 }, () => 5 + rng.int(loaded.config.vocabSize - 5)), 3]);
  const padded = SentenceTokenizer.pad(ids, 0);
  const feeds = encoderFeeds(padded, B, S, loaded.config);
  const sessions = [];
  const labels = ['fp32', ...INT8_FORMS.map((f) => `int8 ${f}`)];
  for (const form of [undefined, ...INT8_FORMS]) {
    const g = buildInferenceGraph(loaded.config, loaded.backbone, new Map(), { pooling: 'mean', normalize: false, tasks: [], precision: form ? 'int8' : 'fp32', int8: { form } });
    const s = await createSession(g.toBytes(), 'cpu');
    await s.run(feeds);
    sessions.push(s);
  }
  const ms = await alternate(sessions.map((s) => () => s.run(feeds)), quick ? 800 : 8000);
  console.log(`\n### int8 spellings, ${loaded.config.numLayers} × ${loaded.config.hiddenSize}, uniform batch ${B} × seq ${S} (session.run only; weights ${int8WeightBits()}-bit on this CPU)`);
  console.log('| graph | ms | × fp32 speed |');
  console.log('|---|---|---|');
  labels.forEach((l, i) => console.log(`| ${l} | ${ms[i]!.toFixed(0)} | ${(ms[0]! / ms[i]!).toFixed(2)} |`));
  for (const s of sessions) await s.release();
}

function agreement(ref: SentenceResult[], got: SentenceResult[]): string {
  let agree = 0;
  let labels = 0;
  const cos = ref.map((r, i) => {
    for (const t of Object.keys(r.tasks)) {
      labels++;
      if (r.tasks[t]!.label === got[i]!.tasks[t]!.label) agree++;
    }
    const [a, b] = [r.embedding, got[i]!.embedding];
    let d = 0, na = 0, nb = 0;
    for (let k = 0; k < a.length; k++) {
      d += a[k]! * b[k]!;
      na += a[k]! ** 2;
      nb += b[k]! ** 2;
    }
    return d / Math.sqrt(na * nb);
  });
  if (labels === 0) throw new Error('no labels to compare: the model has no heads');
  return `${agree} / ${labels} (${((100 * agree) / labels).toFixed(2)}%) | ${Math.min(...cos).toFixed(5)} | ${median(cos).toFixed(6)}`;
}

async function accuracy(sentences: string[]): Promise<void> {
  console.log('\n## Accuracy against fp32 on the bundled sentences (topic and sentiment labels; embedding cosine)');
  console.log('| model | precision (device) | labels equal to fp32 | lowest cosine | median cosine |');
  console.log('|---|---|---|---|---|');
  const dir = await mkdtemp(join(tmpdir(), 'sl-bench-acc-'));
  try {
    await generateShapeFolder(dir, SHAPES.minilm, sentences);
    const models: [string, string, { defaultHeads?: DefaultHeadsSettings }][] = [
      ['offline model (models/offline)', join(root, 'models/offline'), {}],
      ['MiniLM-L6 shape, random weights, heads trained on the bundled data', dir, { defaultHeads: { dataCsv: join(root, 'models/sentences.csv'), cacheDir: join(dir, 'cache') } }],
    ];
    for (const [name, path, extra] of models) {
      // prepareSentenceModel, not SentenceModel.load: only it trains the head-less shape's default heads.
      const ref = await prepareSentenceModel(path, { device: 'cpu', precision: 'fp32', ...extra });
      const fp32 = await ref.run(sentences);
      await ref.release();
      const runs: [Precision, 'cpu' | 'webgpu'][] = [['int8', 'cpu'], ...(values.fp16 ? [['fp16', 'webgpu'] as [Precision, 'webgpu']] : [])];
      for (const [p, d] of runs) {
        const m = await prepareSentenceModel(path, { device: d, precision: p, ...extra });
        const got = await m.run(sentences);
        console.log(`| ${name} | ${m.precision.precision} (${m.device}) | ${agreement(fp32, got)} |`);
        await m.release();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`# bench:precision — ${new Date().toISOString()}${quick ? ' (--quick)' : ''}`);
  console.log(`machine: ${describeMachine()}; int8 weights: ${int8WeightBits()}-bit (8 with VNNI or on ARM64, else 7)`);
  console.log('Throughput is sentences/s through SentenceModel.run (tokenize, length-bucket, run, restore order); the peer is transformers.js 4\'s feature-extraction pipeline on our fp32 graph of the same weights. Alternating rounds, medians.');
  const sentences = await readBundledSentences();
  hfEnv.allowRemoteModels = false;
  hfEnv.allowLocalModels = true;
  hfEnv.useFSCache = false;
  // --accuracy-only: the agreement tables alone, without the throughput rounds that take most of a run.
  for (const shape of values['accuracy-only'] ? [] : shapes) {
    const dir = await mkdtemp(join(tmpdir(), 'sl-bench-prec-'));
    try {
      await generateShapeFolder(dir, shape, sentences);
      const loaded = await loadModelFolder(dir);
      await throughput(shape, dir, loaded, sentences);
      if (shape === SHAPES.minilm) await forms(loaded);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  await accuracy(quick ? sentences.slice(0, 200) : sentences);
}

await main();
