/**
 * Masked-LM perplexity of a model (with its MLM head) on text: every sequence masked once with
 * a fixed seed, as pretraining's validation does. What domain adaptation should lower.
 */
import { chooseDevice, type DeviceSetting } from '../runtime/device.js';
import { createMlmRunner } from './mlm-runner.js';
import { evaluateMlm } from './pretrain-data.js';
import { resolvePretrainOptions } from './pretrain-options.js';
import { preparePretrain } from './pretrain-setup.js';

export async function measurePerplexity(
  model: string,
  files: readonly string[],
  options: { maxLength?: number; batchSize?: number; seed?: number; device?: DeviceSetting } = {},
): Promise<{ perplexity: number; accuracy: number; predictions: number; loss: number }> {
  const o = resolvePretrainOptions({ files, model, out: '(not written)', valSplit: 0, maxLength: options.maxLength, batchSize: options.batchSize, seed: options.seed, device: options.device });
  const setup = await preparePretrain(o, {}, {});
  const device = await chooseDevice(o.device);
  const runner = await createMlmRunner({ config: setup.model.config, params: setup.params, shapes: setup.shapes, device: device.device });
  try {
    const report = await evaluateMlm({ ...setup, val: setup.train }, runner);
    return { ...report.mlm!, loss: report.loss };
  } finally {
    await runner.release();
  }
}
