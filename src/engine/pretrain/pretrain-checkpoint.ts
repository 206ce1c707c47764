/**
 * A pretraining checkpoint is a Hugging Face …ForMaskedLM folder of the model's architecture
 * (BertForMaskedLM, RobertaForMaskedLM, …): encoder tensors under the base-model prefix
 * (`bert.`, `roberta.`, …) and the masked-LM head at the top level (`cls.predictions.*`,
 * `lm_head.*`, …; the decoder weight is tied to the word embeddings, so, as transformers'
 * save_pretrained does, it is not stored). …ForMaskedLM.from_pretrained loads it with its
 * head, the base model class drops the prefix and the head, and `sentence-lens train --model`
 * fine-tunes it. `last` also carries the training state.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { architectureOf } from '../model/architectures.js';
import { TOKENIZER_FILES } from '../model/tokenizer-files.js';
import type { OptimizerState } from '../train/optimizer.js';
import { writeTrainingState } from '../train/training-state.js';
import { atomicFolder, huggingFaceConfig, sentenceTransformersFiles } from '../weights/checkpoint.js';
import { writeSafetensors } from '../weights/safetensors.js';
import { isMlmHeadName } from './mlm-head.js';
import type { PretrainSetup } from './pretrain-setup.js';

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function savePretrainCheckpoint(dir: string, setup: PretrainSetup, state?: { json: Readonly<{ format: number }>; optimizer: OptimizerState }): Promise<void> {
  const { model, params, shapes } = setup;
  const arch = architectureOf(model.config);
  await atomicFolder(dir, async (tmp) => {
    await writeJson(join(tmp, 'config.json'), { ...huggingFaceConfig(model.config, model.rawConfig), architectures: [arch.maskedLm.modelClass] });
    const tensors: [string, { shape: number[]; data: Float32Array }][] = [];
    for (const name of params.names()) {
      const stored = isMlmHeadName(model.config, name) ? name : `${arch.prefix}.${name}`;
      tensors.push([stored, { shape: shapes.get(name)!, data: params.get(name) }]);
    }
    for (const [name, t] of model.extras) tensors.push([`${arch.prefix}.${name}`, { shape: [...t.shape], data: t.data }]);
    await writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
    for (const f of TOKENIZER_FILES) {
      if (existsSync(join(model.dir, f))) await copyFile(join(model.dir, f), join(tmp, f));
    }
    const st = sentenceTransformersFiles({ pooling: 'mean', normalize: false, maxLength: setup.options.maxLength, hidden: model.config.hiddenSize, lowercase: setup.options.lowercase });
    for (const [name, value] of Object.entries(st)) await writeJson(join(tmp, name), value);
    if (state) await writeTrainingState(tmp, state.json, state.optimizer);
  });
}
