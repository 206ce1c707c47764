/**
 * Editor-side benchmark over the real model server process (dist/server.js via the extension's
 * ServerClient), on a generated test model, CPU:
 *   - server start (fork → first reply) and model load: what the first command waits for
 *   - Classify Sentence round trip, p50/p95 (request → results back in the extension host)
 *   - Annotate Document on a 2,000-sentence text: segmentation + chunked classify requests, against
 *     the engine's pure inference time for the same sentences in-process.
 * Measured over IPC without VS Code (code-server timing was not done): decoration painting is not
 * included. `npm run bench:editor` (builds first).
 */
import { cpus, tmpdir, totalmem } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SentenceModel } from '../src/engine/inference.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { annotationChunks } from '../src/extension/annotation-state.js';
import { documentSentences } from '../src/text/sentences.js';
import { ServerClient } from '../src/extension/server-client.js';
import { makeTestModel } from '../test/support/model-folder.js';

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;

const dir = await mkdtemp(join(tmpdir(), 'sl-bench-'));
try {
  const modelDir = join(dir, 'model');
  await makeTestModel(modelDir);
  const bundled = await readBundledSentences();
  const doc = Array.from({ length: 2000 }, (_, i) => bundled[i % bundled.length]!).join(' ');
  const sentences = documentSentences(doc, 'plaintext');
  const params = { model: modelDir, device: 'cpu' as const, batchSize: 32, maxLength: 128 };

  console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${process.platform}-${process.arch}`);
  console.log(`model: generated test BERT (2 layers × 32 hidden), device cpu, batch 32; document: ${sentences.length} sentences, ${doc.length} chars`);

  const c = new ServerClient({ serverPath: resolve('dist/server.js'), log: () => {} });
  try {
    let t = performance.now();
    await c.status();
    const startMs = performance.now() - t;
    t = performance.now();
    const info = await c.load(params);
    const loadMs = performance.now() - t;
    console.log(`server start (fork → first reply): ${ms(startMs)}; model load: ${ms(loadMs)} (server says ${info.loadMs} ms)`);

    const lat: number[] = [];
    for (let i = 0; i < 120; i++) {
      const s = bundled[i % bundled.length]!;
      t = performance.now();
      await c.classify({ texts: [s] });
      if (i >= 20) lat.push(performance.now() - t);
    }
    console.log(`classify one sentence (round trip, 100 runs): p50 ${ms(pct(lat, 50))}, p95 ${ms(pct(lat, 95))}`);

    // Annotate Document as the command does it: segment, then chunks of CHUNK sentences.
    const runs: number[] = [];
    let serverInference = 0;
    let bestServerInference = Infinity;
    for (let r = 0; r < 5; r++) {
      t = performance.now();
      const ranges = documentSentences(doc, 'plaintext');
      serverInference = 0;
      for (const chunk of annotationChunks(ranges)) {
        const res = await c.classify({ texts: chunk.map((s) => s.text) });
        serverInference += res.inferenceMs;
      }
      runs.push(performance.now() - t);
      if (runs.at(-1) === Math.min(...runs)) bestServerInference = serverInference;
    }
    const texts = sentences.map((s) => s.text);
    const engine = await SentenceModel.load(modelDir, { device: 'cpu', batchSize: 32, maxLength: 128 });
    const pure: number[] = [];
    for (let r = 0; r < 5; r++) {
      t = performance.now();
      await engine.run(texts);
      pure.push(performance.now() - t);
    }
    await engine.release();
    const total = Math.min(...runs);
    const inference = Math.min(...pure);
    console.log(`annotate ${texts.length} sentences via the server (best of 5): ${ms(total)}; server-side inference in that run ${ms(bestServerInference)}`);
    console.log(`engine alone, same sentences in one run() (best of 5): ${ms(inference)}`);
    console.log(`overhead (IPC, JSON, segmentation, ${annotationChunks(texts.map((text) => ({ text }))).length} requests): ${(((total - inference) / inference) * 100).toFixed(1)}% (target ≤ 30%)`);
  } finally {
    await c.dispose();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
