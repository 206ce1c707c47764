/**
 * One self-contained ONNX file (token ids → sentence embedding and each task's
 * probabilities) with a JSON sidecar and the tokenizer beside it, for any ONNX Runtime,
 * Triton or transformers.js to serve.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_MAX_LENGTH } from './choices.js';
import { SentenceLensError } from './errors.js';
import type { DownloadOptions } from './hub.js';
import { architectureOf, maxSequenceLength } from './model/architectures.js';
import { buildInferenceGraph } from './model/inference-graph.js';
import { loadModel } from './model/load.js';
import type { Precision } from './model/precision.js';
import type { Pooling } from './model/pooling.js';
import { resolveModelSource } from './model/source.js';
import { TOKENIZER_FILES } from './model/tokenizer-files.js';

export interface ExportOptions extends DownloadOptions {
  /**
   * fp32 (default); fp16 (for GPU serving); int8: encoder projections as int8 weights per
   * output channel with activations quantized at run time (com.microsoft MatMulIntegerToFloat,
   * ONNX Runtime's CPU integer GEMMs). Exported int8 weights use 7 bits, which no CPU's
   * integer kernels can saturate, since the serving machine is unknown.
   */
  readonly precision?: Precision;
  readonly pooling?: Pooling;
  readonly normalize?: boolean;
  readonly maxLength?: number;
}

export interface ExportResult {
  readonly onnx: string;
  readonly sidecar: string;
  readonly outputs: string[];
  readonly bytes: number;
}

export function sidecarPath(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.json';
}

export async function exportOnnx(model: string, out: string, options: ExportOptions = {}): Promise<ExportResult> {
  if (!out.toLowerCase().endsWith('.onnx')) throw new SentenceLensError('BAD_ARGUMENT', `--out should name an .onnx file, got "${out}"`);
  const loaded = await loadModel(await resolveModelSource(model, options));
  const tasks = loaded.heads?.tasksFile.tasks ?? [];
  const pooling = options.pooling ?? loaded.heads?.tasksFile.pooling ?? 'mean';
  const normalize = options.normalize ?? false;
  const maxLength = Math.min(options.maxLength ?? DEFAULT_MAX_LENGTH, maxSequenceLength(loaded.config));
  const precision = options.precision ?? 'fp32';
  const int8Bits = 7;
  const graph = buildInferenceGraph(loaded.config, loaded.backbone, loaded.heads?.weights ?? new Map(), { pooling, normalize, tasks, precision, int8: { bits: int8Bits } });
  const bytes = graph.toBytes({ 'sentence_lens.pooling': pooling, 'sentence_lens.normalize': String(normalize), 'sentence_lens.precision': precision });
  const dir = dirname(out);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(out)}.tmp-${process.pid}`);
  await writeFile(tmp, bytes);
  await rename(tmp, out);
  const sidecar = sidecarPath(out);
  const outputs = ['sentence_embedding', ...tasks.map((t) => `${t.name}_probs`)];
  await writeFile(sidecar, JSON.stringify({
    format: 1,
    model: basename(out),
    source: model,
    architecture: architectureOf(loaded.config).modelClass,
    inputs: {
      input_ids: 'int64 [batch, seq]',
      attention_mask: 'int64 [batch, seq]',
      ...(architectureOf(loaded.config).tokenTypeInput ? { token_type_ids: 'int64 [batch, seq]' } : {}),
    },
    outputs: { sentence_embedding: { dim: loaded.config.hiddenSize, normalized: normalize }, ...Object.fromEntries(tasks.map((t) => [`${t.name}_probs`, { labels: t.labels }])) },
    pooling,
    normalize,
    maxLength,
    precision,
    ...(precision === 'int8' ? { int8: { weights: `int8 per output channel, ${int8Bits}-bit range`, activations: 'uint8 per tensor, quantized at run time', op: 'DynamicQuantizeLinear + com.microsoft MatMulIntegerToFloat' } } : {}),
    tasks: tasks.map((t) => ({ name: t.name, labels: t.labels })),
  }, null, 2) + '\n');
  for (const f of TOKENIZER_FILES) {
    const src = join(loaded.dir, f);
    if (existsSync(src)) await copyFile(src, join(dir, f));
  }
  return { onnx: out, sidecar, outputs, bytes: bytes.length };
}
