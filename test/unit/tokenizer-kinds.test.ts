/**
 * Every tokenizer kind the supported models ship — BERT's WordPiece, MPNet's WordPiece with
 * <s>/</s>, SentencePiece Unigram (XLM-R, multilingual BERTs) and byte-level BPE (RoBERTa) —
 * gives the token ids transformers.js gives, on sentences with accents, CJK, emoji and more,
 * and truncates as Python transformers does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModelFolder, type GenerateModelOptions } from '../../src/engine/model/generate.js';
import { SAMPLE_SENTENCES } from '../../src/engine/model/sample-sentences.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { MULTILINGUAL_PROBES, MULTILINGUAL_TRAINING } from '../support/multilingual.js';

const KINDS: { name: string; options: GenerateModelOptions; unk: string; bos: string; eos: string }[] = [
  { name: 'WordPiece, cased (bert-base-cased)', options: { architecture: 'bert', lowercase: false }, unk: '[UNK]', bos: '[CLS]', eos: '[SEP]' },
  { name: 'WordPiece with <s> </s> (all-mpnet-base-v2)', options: { architecture: 'mpnet' }, unk: '[UNK]', bos: '<s>', eos: '</s>' },
  { name: 'SentencePiece Unigram (xlm-roberta-base, multilingual-e5-small)', options: { architecture: 'xlm-roberta' }, unk: '<unk>', bos: '<s>', eos: '</s>' },
  { name: 'byte-level BPE (roberta-base, all-distilroberta-v1)', options: { architecture: 'roberta' }, unk: '<unk>', bos: '<s>', eos: '</s>' },
];

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sl-tok-kinds-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

for (const kind of KINDS) {
  test(`${kind.name}: ids equal transformers.js's on a multilingual set; truncation keeps the end token`, async () => {
    const dir = join(root, kind.options.architecture!);
    await generateModelFolder(dir, { ...kind.options, texts: [...SAMPLE_SENTENCES, ...MULTILINGUAL_TRAINING], seed: 1 });
    const ours = await SentenceTokenizer.load(dir);
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const reference = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const vocab = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')).model.vocab;
    const idOf = (t: string): number => (Array.isArray(vocab) ? vocab.findIndex(([p]: [string]) => p === t) : vocab[t]);

    const { ids } = ours.encode(MULTILINGUAL_PROBES, 512);
    MULTILINGUAL_PROBES.forEach((text, i) => {
      assert.deepEqual(ids[i], reference.encode(text), JSON.stringify(text));
      assert.equal(ids[i]![0], idOf(kind.bos), 'starts with the begin token');
      assert.equal(ids[i]!.at(-1), idOf(kind.eos), 'ends with the end token');
    });
    // The set is hard enough to matter: CJK and emoji are split into several pieces, and only
    // byte-level BPE never needs the unknown token.
    const cjk = ids[MULTILINGUAL_PROBES.indexOf('東京で寿司を食べました。')]!;
    assert.ok(cjk.length > 4, `CJK text becomes several tokens (${cjk.length})`);
    const usesUnk = ids.some((row) => row.includes(idOf(kind.unk)));
    assert.equal(usesUnk, kind.options.architecture !== 'roberta', 'unknown token used only where the vocabulary cannot cover a character');

    // Truncation as Python transformers does it (transformers.js cuts the end token off
    // instead): the first maxLength − 2 content tokens of the full encoding, then the end token.
    for (const maxLength of [3, 6]) {
      const cut = ours.encode(MULTILINGUAL_PROBES, maxLength);
      MULTILINGUAL_PROBES.forEach((text, i) => {
        const full = ids[i]!;
        const expected = full.length <= maxLength ? full : [...full.slice(0, maxLength - 1), full.at(-1)!];
        assert.deepEqual(cut.ids[i], expected, `${JSON.stringify(text)} cut to ${maxLength}`);
        assert.equal(cut.truncated[i], full.length > maxLength);
      });
    }
  });
}
