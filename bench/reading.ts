/**
 * What reading documents as prose costs (issue 11), against the baseline of the previous reader
 * (Intl.Segmenter's breaks alone, every document as plain text) in the same run:
 *   - a 2,000-sentence plain text, as lines and as one paragraph: first read (cold: every break
 *     after a full stop asked of sentence-splitter) and again after an edit (warm: cached answers),
 *   - a Markdown document (this README, four times): parse + segmentation.
 * How long the extension host's event loop is blocked by a read (perf_hooks monitorEventLoopDelay:
 * the longest delay of a 1 ms timer), before (the reader on the host's thread) and after (the
 * prose worker, dist/prose-worker.js, through the extension's ReaderClient), with the time to the
 * answer. And `auto`'s device measurement on the offline model: its figures, and a load with and
 * without the cached answer. `npm run bench:reading`. Figures from a shared machine are noisy.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReaderClient } from '../src/extension/reader-client.js';
import { SentenceModel } from '../src/engine/inference.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { sentenceSegments } from '../src/text/segment.js';
import { documentSentences } from '../src/text/sentences.js';
import { describeMachine } from './machine.js';

/** The previous reader: ICU's breaks alone (windowed, line by line), every document as plain text. */
function baseline(text: string): number {
  let n = 0;
  for (const s of sentenceSegments(text, undefined, undefined, false)) if (s.segment.trim()) n++;
  return n;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

console.log(describeMachine());
const bundled = await readBundledSentences();
const sentences = Array.from({ length: 2000 }, (_, i) => `${bundled[i % bundled.length]!.replace(/[.!?]+$/, '')} (${i}).`);
for (const [name, text] of [['2,000 sentences as lines', sentences.join('\n')], ['2,000 sentences in one paragraph', sentences.join(' ')]] as const) {
  const base = time(() => baseline(text));
  const cold = time(() => documentSentences(text, 'plaintext'));
  const edited = `${text.slice(0, 40)}x${text.slice(40)}`;
  const warm = time(() => documentSentences(edited, 'plaintext'));
  console.log(`${name}: baseline Intl.Segmenter ${base.ms.toFixed(1)} ms (${base.value} sentences); ours cold ${cold.ms.toFixed(1)} ms (×${(cold.ms / base.ms).toFixed(1)}, ${cold.value.length} sentences), after an edit ${warm.ms.toFixed(1)} ms (×${(warm.ms / base.ms).toFixed(1)})`);
}
const readme = (await readFile(resolve('README.md'), 'utf8')).repeat(4);
const mdBase = time(() => baseline(readme));
const md = time(() => documentSentences(readme, 'markdown'));
const mdAgain = time(() => documentSentences(readme, 'markdown'));
console.log(`Markdown (README.md × 4, ${readme.length} chars): baseline ${mdBase.ms.toFixed(1)} ms (${mdBase.value} "sentences", code and tables included); ours ${md.ms.toFixed(1)} ms first, ${mdAgain.ms.toFixed(1)} ms again (×${(mdAgain.ms / mdBase.ms).toFixed(1)}; ${md.value.length} prose sentences)`);

/** The longest event-loop block while `work` runs (ms), and the time to its answer. */
async function hostBlocking<T>(work: () => T | Promise<T>): Promise<{ blockMs: number; wallMs: number; value: T }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(20);
  const t0 = performance.now();
  const value = await work();
  const wallMs = performance.now() - t0;
  await sleep(20);
  h.disable();
  return { blockMs: h.max / 1e6, wallMs, value };
}

const fmt = (r: { blockMs: number; wallMs: number }) => `longest block ${r.blockMs.toFixed(1)} ms, answer in ${r.wallMs.toFixed(1)} ms`;
console.log(`host thread, idle 300 ms (noise floor): longest block ${(await hostBlocking(() => sleep(300))).blockMs.toFixed(1)} ms`);
const reader = new ReaderClient({ workerPath: resolve('dist/prose-worker.js'), log: () => {} });
try {
  const start = await hostBlocking(() => reader.sentences({ key: 'warm-up', version: 1, text: 'Hello there.', languageId: 'plaintext', options: {} }));
  console.log(`prose worker start + a one-sentence read: ${fmt(start)}`);
  // A text not read above, so that the host thread's splitter cache is cold too.
  const fresh = (tag: string) => Array.from({ length: 2000 }, (_, i) => `${bundled[i % bundled.length]!.replace(/[.!?]+$/, '')} (${tag} ${i}).`).join(' ');
  const cases: [string, string, string][] = [
    ['2,000 sentences in one paragraph, first read', fresh('a'), 'plaintext'],
    ['the same after an edit', `${fresh('a').slice(0, 40)}x${fresh('a').slice(40)}`, 'plaintext'],
    [`Markdown: README.md × 4 (${readme.length} chars)`, readme, 'markdown'],
    ['Markdown again after an edit', `${readme.slice(0, 40)}x${readme.slice(40)}`, 'markdown'],
  ];
  for (const [i, [name, text, lang]] of cases.entries()) {
    const before = await hostBlocking(() => documentSentences(text, lang));
    // Each thread has its own splitter cache: both read the paragraph cold first, warm after the edit.
    const after = await hostBlocking(() => reader.sentences({ key: `doc-${i}`, version: 1, text, languageId: lang, options: {} }));
    console.log(`${name}: on the host thread ${fmt(before)} (${before.value.length} sentences); in the prose worker ${fmt(after)} (${after.value.length} sentences); longest block ×${(after.blockMs / before.blockMs).toFixed(3)}`);
  }
} finally {
  await reader.dispose();
}

const cache = await mkdtemp(join(tmpdir(), 'sl-bench-auto-'));
process.env.SENTENCE_LENS_CACHE = cache;
try {
  for (const label of ['auto, measured now', 'auto, cached answer']) {
    const t0 = performance.now();
    const m = await SentenceModel.load(resolve('models/offline'), { device: 'auto' });
    console.log(`offline model load, ${label}: ${(performance.now() - t0).toFixed(0)} ms — ${m.deviceChoice.reason}`);
    await m.release();
  }
  const t0 = performance.now();
  const m = await SentenceModel.load(resolve('models/offline'), { device: 'cpu' });
  console.log(`offline model load, cpu (baseline): ${(performance.now() - t0).toFixed(0)} ms`);
  await m.release();
} finally {
  await rm(cache, { recursive: true, force: true });
}
