import { downloadModel } from '../../engine/hub.js';
import type { Command } from '../command.js';
import { progressReporter } from '../progress.js';
import { SentenceLensError } from '../../engine/errors.js';

export const downloadCommand: Command = {
  name: 'download',
  summary: 'download a model from the Hugging Face hub into the shared cache',
  usage: 'sentence-lens download MODEL_ID [--revision R]',
  help: `  --revision R         branch, tag or commit (default main)
Files land in the standard Hugging Face cache ($HF_HOME/hub, default ~/.cache/huggingface),
shared with Python. Honours HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE.
Prints {"model", "revision", "commit", "dir", "files"}.`,
  options: { revision: { type: 'string' } },
  async run(values, positionals, io) {
    const [id, ...extra] = positionals;
    if (!id || extra.length > 0) throw new SentenceLensError('BAD_ARGUMENT', 'expected exactly one MODEL_ID, e.g. sentence-transformers/all-MiniLM-L6-v2');
    const progress = progressReporter(io.stderr, 'downloading', 'bytes');
    try {
      const loc = await downloadModel(id, {
        revision: values['revision'] as string | undefined,
        signal: io.signal,
        onProgress: (e) => progress.update(e.bytesDone, e.bytesTotal, e.file),
      });
      progress.stop();
      io.stdout.write(JSON.stringify({ model: loc.modelId, revision: loc.revision, commit: loc.commit, dir: loc.dir, files: loc.files }) + '\n');
    } finally {
      progress.stop();
    }
  },
};
