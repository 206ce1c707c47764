/**
 * A pretraining checkpoint is a Hugging Face BertForMaskedLM folder: `bert.`-prefixed encoder
 * tensors and the `cls.predictions.*` head (the decoder weight is tied to the word embeddings,
 * so, as transformers' save_pretrained does, it is not stored). BertForMaskedLM.from_pretrained
 * loads it with its head, BertModel.from_pretrained drops the prefix and the head, and
 * `sentence-lens train --model` fine-tunes it. `last` also carries the training state.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OptimizerState } from '../train/optimizer.js';
import { writeTrainingState } from '../train/training-state.js';
import { atomicFolder, huggingFaceBertConfig, sentenceTransformersFiles, TOKENIZER_FILES } from '../weights/checkpoint.js';
import { writeSafetensors } from '../weights/safetensors.js';
import type { PretrainSetup } from './pretrain-setup.js';

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function savePretrainCheckpoint(dir: string, setup: PretrainSetup, state?: { json: Readonly<{ format: number }>; optimizer: OptimizerState }): Promise<void> {
  const { model, params, shapes } = setup;
  await atomicFolder(dir, async (tmp) => {
    await writeJson(join(tmp, 'config.json'), { ...huggingFaceBertConfig(model.config, model.rawConfig), architectures: ['BertForMaskedLM'] });
    const tensors: [string, { shape: number[]; data: Float32Array }][] = [];
    for (const name of params.names()) {
      const stored = name.startsWith('cls.') ? name : `bert.${name}`;
      tensors.push([stored, { shape: shapes.get(name)!, data: params.get(name) }]);
    }
    for (const [name, t] of model.extras) tensors.push([`bert.${name}`, { shape: [...t.shape], data: t.data }]);
    await writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
    for (const f of TOKENIZER_FILES) {
      if (existsSync(join(model.dir, f))) await copyFile(join(model.dir, f), join(tmp, f));
    }
    const st = sentenceTransformersFiles({ pooling: 'mean', normalize: false, maxLength: setup.options.maxLength, hidden: model.config.hiddenSize, lowercase: setup.options.lowercase });
    for (const [name, value] of Object.entries(st)) await writeJson(join(tmp, name), value);
    if (state) await writeTrainingState(tmp, state.json, state.optimizer);
  });
}
