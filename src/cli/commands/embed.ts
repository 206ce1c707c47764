import { SentenceModel } from '../../engine/inference.js';
import type { Command } from '../command.js';
import { progressReporter } from '../progress.js';
import { deviceOption, modelHelp, modelOptions, POOLING_CHOICES, poolingOption, positiveInt, readSentences, modelOrOffline } from '../shared-options.js';

export const embedCommand: Command = {
  name: 'embed',
  summary: 'print sentence embeddings as JSON',
  usage: `sentence-lens embed [--model M] [--pooling ${POOLING_CHOICES}] [--normalize] [--device D] [--max-length N] TEXT...`,
  help: `${modelHelp}
  --pooling ${POOLING_CHOICES}   masked mean over tokens (default) or the [CLS] token
  --normalize          L2-normalise each embedding
Sentences come from the arguments, or from stdin one per line.
Prints {"model", "device", "dim", "embeddings": [[...], ...]}.`,
  options: { ...modelOptions, pooling: { type: 'string' }, normalize: { type: 'boolean' } },
  async run(values, positionals, io) {
    const pooling = poolingOption(values) ?? 'mean';
    const dir = modelOrOffline(values);
    const texts = await readSentences(positionals, io);
    const download = progressReporter(io.stderr, 'downloading', 'bytes');
    const model = await SentenceModel.load(dir, {
      device: deviceOption(values),
      pooling,
      normalize: values['normalize'] === true,
      maxLength: positiveInt(values, 'max-length'),
      batchSize: positiveInt(values, 'batch-size'),
      log: (m) => io.stderr.write(`${m}\n`),
      signal: io.signal,
      onProgress: (e) => download.update(e.bytesDone, e.bytesTotal, e.file),
    });
    download.stop();
    try {
      const results = await model.run(texts, { signal: io.signal });
      const embeddings = results.map((r) => Array.from(r.embedding));
      io.stdout.write(JSON.stringify({ model: dir, device: model.device, dim: model.dim, embeddings }) + '\n');
    } finally {
      await model.release();
    }
  },
};
