import { exportOnnx } from '../../engine/export.js';
import { SentenceLensError } from '../../engine/errors.js';
import type { Command } from '../command.js';
import { DEFAULT_MAX_LENGTH } from '../../engine/choices.js';
import { POOLING_CHOICES, poolingOption, positiveInt } from '../shared-options.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write one ONNX file (embedding + task probabilities) with a JSON sidecar and the tokenizer',
  usage: `sentence-lens export CHECKPOINT --out model.onnx [--precision fp32|fp16|int8] [--pooling ${POOLING_CHOICES}] [--normalize] [--max-length N]`,
  help: `  --out FILE           the .onnx file to write; FILE.json and tokenizer files go beside it
  --precision P        fp32 (default) | fp16 (for GPU serving) | int8 (int8 weights per output
                       channel, activations quantized at run time: ONNX Runtime's CPU
                       integer GEMMs; the projections' weights take a quarter of the space)
  --pooling ${POOLING_CHOICES}   default: what the heads were trained with, else mean
  --normalize          L2-normalise sentence_embedding
  --max-length N       recorded in the sidecar for servers that tokenize (default ${DEFAULT_MAX_LENGTH})
CHECKPOINT is a checkpoint folder, a model folder or a hub id.
Inputs: input_ids, attention_mask (int64 [batch, seq]), and token_type_ids for BERT models.
Outputs: sentence_embedding [batch, hidden] and <task>_probs [batch, labels] per task.`,
  options: { out: { type: 'string' }, precision: { type: 'string' }, pooling: { type: 'string' }, normalize: { type: 'boolean' }, 'max-length': { type: 'string' } },
  async run(values, positionals, io) {
    const [model, ...extra] = positionals;
    if (!model || extra.length > 0) throw new SentenceLensError('BAD_ARGUMENT', 'expected exactly one CHECKPOINT (folder or hub id)');
    const out = values['out'];
    if (typeof out !== 'string') throw new SentenceLensError('BAD_ARGUMENT', '--out FILE.onnx is required');
    const precision = values['precision'] ?? 'fp32';
    if (precision !== 'fp32' && precision !== 'fp16' && precision !== 'int8') throw new SentenceLensError('BAD_ARGUMENT', `--precision expects fp32, fp16 or int8, got "${String(precision)}"`);
    const r = await exportOnnx(model, out, {
      precision,
      pooling: poolingOption(values),
      normalize: values['normalize'] === true ? true : undefined,
      maxLength: positiveInt(values, 'max-length'),
      signal: io.signal,
    });
    io.stdout.write(JSON.stringify(r) + '\n');
  },
};
