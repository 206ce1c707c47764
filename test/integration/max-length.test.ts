/**
 * One max length everywhere: a sentence longer than the default is cut at the same token count
 * by inference, the CLI, export and training, on a model whose positions would allow more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_LENGTH } from '../../src/engine/choices.js';
import { exportOnnx } from '../../src/engine/export.js';
import { SentenceModel } from '../../src/engine/inference.js';
import { train } from '../../src/engine/train/trainer.js';
import { modelWithHeads, tempDir } from '../support/model-folder.js';
import { runCli } from '../support/run-cli.js';

const POSITIONS = 512;

test(`inference, the CLI, export and training all cut a long sentence at ${DEFAULT_MAX_LENGTH} tokens by default`, async () => {
  const dir = await modelWithHeads({ config: { max_position_embeddings: POSITIONS } });
  const work = await tempDir('sl-maxlen-');
  try {
    const model = await SentenceModel.load(dir, { device: 'cpu' });
    // Between the default and the model's limit: only the default can cut it.
    const words = 'the soup was cold and the match was long '.repeat(40).trim();
    const tokens = model.tokenizer.encode([words], POSITIONS).ids[0]!.length;
    assert.ok(tokens > DEFAULT_MAX_LENGTH && tokens < POSITIONS, `${tokens} tokens`);
    const shortEnough = model.tokenizer.encode([words], DEFAULT_MAX_LENGTH).ids[0]!.length;
    assert.equal(shortEnough, DEFAULT_MAX_LENGTH);

    assert.equal(model.maxLength, DEFAULT_MAX_LENGTH);
    const [result] = await model.run([words]);
    assert.equal(result!.truncated, true);
    await model.release();

    const cli = await runCli(['classify', '--model', dir, '--device', 'cpu', words]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout)[0].truncated, true);

    await exportOnnx(dir, join(work, 'm.onnx'));
    assert.equal(JSON.parse(await readFile(join(work, 'm.json'), 'utf8')).maxLength, DEFAULT_MAX_LENGTH);

    const csv = join(work, 'data.csv');
    await writeFile(csv, `text,topic,sentiment\n${words},food,negative\nA fine goal.,sports,positive\nA dull book.,reading,negative\nGreat soup.,food,positive\n`);
    const warnings: string[] = [];
    await train({ csv, model: dir, out: join(work, 'run'), maxSteps: 1, valSplit: 0, device: 'cpu' }, {
      onEvent: (e) => e.type === 'message' && e.level === 'warning' && warnings.push(e.message),
    });
    assert.ok(warnings.some((w) => w.includes(`truncated to ${DEFAULT_MAX_LENGTH}`)), warnings.join('\n'));
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
});
