/**
 * The hub download path for each supported architecture, with the file list its real
 * repository has (weights in several formats, slow-tokenizer files such as
 * sentencepiece.bpe.model, ONNX exports, no tokenizer_config.json for the FacebookAI models):
 * only what Sentence Lens and Python's tokenizers need is fetched, and the cached model
 * embeds exactly like the same folder loaded locally. Weight names are as the real
 * checkpoints have them (task-model prefix and LM head for the …ForMaskedLM uploads).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { downloadModel } from '../../src/engine/hub.js';
import { ARCHITECTURE_CASES, architectureModel } from '../support/architecture-cases.js';
import { type LocalHub, startLocalHub } from '../support/local-hub.js';
import { tempDir } from '../support/model-folder.js';

interface RealRepo {
  readonly id: string;
  readonly caseId: string;
  readonly architectures: string[];
  /** Weights saved by the …ForMaskedLM class: prefixed names and an LM head. */
  readonly taskModel: boolean;
  /** Files the real repository has that the generator does not write (stand-in bytes). */
  readonly extra: string[];
  /** Generated files the real repository does not have. */
  readonly absent: string[];
}

const REPOS: RealRepo[] = [
  { id: 'FacebookAI/xlm-roberta-base', caseId: 'xlm-roberta', architectures: ['XLMRobertaForMaskedLM'], taskModel: true,
    extra: ['sentencepiece.bpe.model', 'pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack', 'onnx/model.onnx', 'README.md'], absent: ['tokenizer_config.json'] },
  { id: 'FacebookAI/roberta-base', caseId: 'roberta', architectures: ['RobertaForMaskedLM'], taskModel: true,
    extra: ['dict.txt', 'pytorch_model.bin', 'tf_model.h5', 'rust_model.ot'], absent: ['tokenizer_config.json'] },
  { id: 'distilbert/distilbert-base-uncased', caseId: 'distilbert', architectures: ['DistilBertForMaskedLM'], taskModel: true,
    extra: ['pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack', 'rust_model.ot'], absent: [] },
  { id: 'sentence-transformers/all-mpnet-base-v2', caseId: 'mpnet', architectures: ['MPNetForMaskedLM'], taskModel: false,
    extra: ['modules.json', 'sentence_bert_config.json', '1_Pooling/config.json', 'config_sentence_transformers.json', 'data_config.json', 'special_tokens_map.json', 'train_script.py', 'pytorch_model.bin', 'onnx/model.onnx'], absent: [] },
  { id: 'sentence-transformers/all-distilroberta-v1', caseId: 'roberta', architectures: ['RobertaModel'], taskModel: false,
    extra: ['modules.json', 'sentence_bert_config.json', '1_Pooling/config.json', 'special_tokens_map.json', 'pytorch_model.bin'], absent: [] },
  { id: 'intfloat/multilingual-e5-small', caseId: 'bert+unigram', architectures: ['BertModel'], taskModel: false,
    extra: ['sentencepiece.bpe.model', 'special_tokens_map.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json', 'pytorch_model.bin', 'onnx/model.onnx'], absent: [] },
];

/** What a download must fetch of a repository's files: config, weights, tokenizer files, sentence-transformers files. */
const NEEDED = /^(config\.json|model\.safetensors|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|vocab\.txt|vocab\.json|merges\.txt|sentencepiece\.bpe\.model|modules\.json|sentence_bert_config\.json|1_Pooling\/config\.json)$/;

let hub: LocalHub;
const folders = new Map<string, string>();
const repoFiles = new Map<string, string[]>();

before(async () => {
  for (const repo of REPOS) {
    const c = ARCHITECTURE_CASES.find((x) => x.id === repo.caseId)!;
    const dir = await architectureModel(c, { heads: false, prefixed: repo.taskModel, extraTensors: repo.taskModel });
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify({ ...JSON.parse(await readFile(configPath, 'utf8')), architectures: repo.architectures }));
    for (const f of repo.absent) await rm(join(dir, f));
    for (const f of repo.extra) {
      await mkdir(dirname(join(dir, f)), { recursive: true });
      // Stand-in bytes: nothing in Sentence Lens reads these files' contents.
      await writeFile(join(dir, f), f.endsWith('.json') ? '{}\n' : `stand-in for ${f}\n`);
    }
    folders.set(repo.id, dir);
    const { readdir } = await import('node:fs/promises');
    repoFiles.set(repo.id, (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)));
  }
  hub = await startLocalHub(Object.fromEntries(REPOS.map((r) => [r.id, { dir: folders.get(r.id)! }])));
});

after(async () => {
  await hub.close();
});

for (const repo of REPOS) {
  test(`${repo.id}: downloads what is needed of its real file list and embeds like the local folder`, async () => {
    const home = await tempDir('sl-hf-');
    const got = await downloadModel(repo.id, { env: { HF_HOME: home, HF_ENDPOINT: hub.endpoint } });
    const expected = repoFiles.get(repo.id)!.filter((f) => NEEDED.test(f)).sort();
    assert.deepEqual([...got.files].sort(), expected);
    for (const skipped of ['pytorch_model.bin', 'tf_model.h5', 'onnx/model.onnx', 'train_script.py']) {
      assert.ok(!hub.requests.some((r) => r.method === 'GET' && r.path.endsWith(`/${skipped}`)), `${skipped} is not downloaded`);
    }
    const fromHub = await SentenceModel.load(repo.id, { device: 'cpu', env: { HF_HOME: home, HF_ENDPOINT: hub.endpoint } });
    const local = await SentenceModel.load(folders.get(repo.id)!, { device: 'cpu' });
    try {
      const texts = ['A bowl of pho.', 'Ein spannendes Buch.', '今日は試合です。'];
      assert.deepEqual((await fromHub.run(texts)).map((r) => r.embedding), (await local.run(texts)).map((r) => r.embedding));
    } finally {
      await fromHub.release();
      await local.release();
    }
  });
}
