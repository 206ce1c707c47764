import { SentenceLensError } from '../../engine/errors.js';
import { prepareSentenceModel } from '../../engine/prepare-model.js';
import type { Command } from '../command.js';
import { progressReporter } from '../progress.js';
import { bundledDataCsv } from '../../bundled-files.js';
import { deviceOption, precisionOption, modelHelp, modelOptions, positiveInt, readSentences, modelOrOffline } from '../shared-options.js';

export const classifyCommand: Command = {
  name: 'classify',
  summary: "print each sentence's label and probabilities per task as JSON",
  usage: 'sentence-lens classify [--model M] [--device D] [--precision P] [--max-length N] TEXT...',
  help: `${modelHelp}
Sentences come from the arguments, or from stdin one per line.
Prints [{"text", "tasks": {"<task>": {"label", "probs": {...}}}}, ...].`,
  options: { ...modelOptions },
  async run(values, positionals, io) {
    const dir = modelOrOffline(values);
    const texts = await readSentences(positionals, io);
    const download = progressReporter(io.stderr, 'downloading', 'bytes');
    const heads = progressReporter(io.stderr, 'training');
    const model = await prepareSentenceModel(dir, {
      device: deviceOption(values),
      precision: precisionOption(values),
      maxLength: positiveInt(values, 'max-length'),
      batchSize: positiveInt(values, 'batch-size'),
      log: (m) => io.stderr.write(`${m}\n`),
      signal: io.signal,
      defaultHeads: {
        dataCsv: bundledDataCsv(),
        onEvent: (e) => {
          if (e.type === 'message') io.stderr.write(`${e.message}\n`);
          else if (e.type === 'progress' && e.phase === 'training') heads.update(e.step, e.totalSteps, 'default heads');
        },
      },
      onProgress: (e) => download.update(e.bytesDone, e.bytesTotal, e.file),
    });
    download.stop();
    heads.stop();
    try {
      if (model.tasks.length === 0) {
        throw new SentenceLensError('MISSING_FILE', `${dir} has no task heads (tasks.json and heads.safetensors); train them with "sentence-lens train" or use a checkpoint`);
      }
      const results = await model.run(texts, { signal: io.signal });
      const out = results.map((r, i) => ({ text: texts[i], tasks: r.tasks, ...(r.truncated ? { truncated: true } : {}) }));
      io.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } finally {
      await model.release();
    }
  },
};
