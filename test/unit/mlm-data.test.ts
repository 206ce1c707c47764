import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskSequence, maskSeed, mlmBatch, mlmSpecialIds, packSequences, type PackedSequence, type PieceTokenizer } from '../../src/engine/pretrain/mlm-data.js';
import { Rng } from '../../src/engine/random.js';

/** Words split on spaces; a word longer than 4 letters becomes two pieces, the second "##…". */
function fakeTokenizer(): PieceTokenizer & { token: (id: number) => string } {
  const vocab = new Map<string, number>([['[PAD]', 0], ['[UNK]', 1], ['[CLS]', 2], ['[SEP]', 3], ['[MASK]', 4]]);
  const names = [...vocab.keys()];
  const id = (t: string) => {
    if (!vocab.has(t)) {
      vocab.set(t, vocab.size);
      names.push(t);
    }
    return vocab.get(t)!;
  };
  // A fixed vocabulary of 60 so random replacements have room.
  for (let i = 0; i < 55; i++) id(`w${i}`);
  return {
    padId: 0,
    get vocabSize() { return vocab.size; },
    idOf: (t) => vocab.get(t),
    token: (i) => names[i]!,
    pieces(texts) {
      const ids: number[][] = [];
      const wordStarts: boolean[][] = [];
      for (const text of texts) {
        const row: number[] = [];
        const starts: boolean[] = [];
        for (const w of text.split(/\s+/).filter(Boolean)) {
          if (w.length > 4) {
            row.push(id(w.slice(0, 3)), id(`##${w.slice(3)}`));
            starts.push(true, false);
          } else {
            row.push(id(w));
            starts.push(true);
          }
        }
        ids.push(row);
        wordStarts.push(starts);
      }
      return { ids, wordStarts };
    },
  };
}

const tok = fakeTokenizer();
const ids = mlmSpecialIds(tok, 'fake');
const src = (text: string, line: number) => ({ text, file: 'c.txt', line });

test('packing fills sequences with whole texts, each followed by [SEP], within max length', () => {
  const texts = ['a b c', 'd e', 'f g h i', 'j'].map((t, i) => src(t, i + 1));
  const seqs = packSequences(texts, tok, ids, { maxLength: 8 });
  const shown = seqs.map((s) => [...s.ids].map(tok.token).join(' '));
  assert.deepEqual(shown, ['[CLS] a b c [SEP] d e [SEP]', '[CLS] f g h i [SEP] j [SEP]']);
  assert.deepEqual(seqs.map((s) => s.line), [1, 3]);
  const single = packSequences(texts, tok, ids, { maxLength: 8, pack: false });
  assert.equal(single.length, 4);
  assert.equal([...single[1]!.ids].map(tok.token).join(' '), '[CLS] d e [SEP]');
});

test('a text longer than a sequence is cut at a word start, never inside a word', () => {
  // "alpha" and "gamma" are two pieces each: a cut between "alp" and "##ha" would split a word.
  const seqs = packSequences([src('x y alpha z gamma q', 1)], tok, ids, { maxLength: 5 });
  const shown = seqs.map((s) => [...s.ids].map(tok.token).join(' '));
  assert.deepEqual(shown, ['[CLS] x y [SEP]', '[CLS] alp ##ha z [SEP]', '[CLS] gam ##ma q [SEP]']);
  for (const s of seqs) assert.ok(s.ids.length <= 5);
});

function corpus(n: number): PackedSequence[] {
  const rng = new Rng(3);
  const words = ['apple', 'bread', 'cake', 'dates', 'egg', 'figs', 'grape', 'ham'];
  const texts = Array.from({ length: n }, (_, i) => src(Array.from({ length: 6 + rng.int(10) }, () => words[rng.int(words.length)]!).join(' '), i + 1));
  return packSequences(texts, tok, ids, { maxLength: 40 });
}

test('15% of the tokens are predicted, 80/10/10 masked/random/kept, specials never', () => {
  const seqs = corpus(400);
  let tokens = 0;
  let predicted = 0;
  let masked = 0;
  let kept = 0;
  let randomised = 0;
  seqs.forEach((s, i) => {
    const m = maskSequence(s, new Rng(maskSeed(7, 0, i)), ids);
    tokens += [...s.ids].filter((t) => !ids.special.has(t)).length;
    predicted += m.positions.length;
    m.positions.forEach((p, k) => {
      assert.ok(!ids.special.has(s.ids[p]!), 'a special token was chosen');
      assert.equal(m.labels[k], s.ids[p]);
      if (m.inputIds[p] === ids.mask) masked++;
      else if (m.inputIds[p] === s.ids[p]) kept++;
      else randomised++;
    });
    // Positions not chosen are fed unchanged.
    s.ids.forEach((t, p) => {
      if (!m.positions.includes(p)) assert.equal(m.inputIds[p], t);
    });
  });
  const share = predicted / tokens;
  assert.ok(share > 0.13 && share < 0.16, `predicted share ${share}`);
  assert.ok(Math.abs(masked / predicted - 0.8) < 0.03, `masked ${masked / predicted}`);
  // "kept" includes random draws that hit the same token (1 in ~55).
  assert.ok(Math.abs(kept / predicted - 0.1) < 0.025, `kept ${kept / predicted}`);
  assert.ok(Math.abs(randomised / predicted - 0.1) < 0.025, `random ${randomised / predicted}`);
});

test('whole-word masking chooses every piece of a word or none of them; token masking splits words', () => {
  const seqs = corpus(300);
  const splitWords = (wholeWord: boolean) => {
    let split = 0;
    seqs.forEach((s, i) => {
      const m = maskSequence(s, new Rng(maskSeed(1, 0, i)), ids, { wholeWord });
      const chosen = new Set(m.positions);
      for (let p = 1; p < s.ids.length; p++) {
        if (!s.wordStart[p] && chosen.has(p) !== chosen.has(p - 1)) split++;
      }
    });
    return split;
  };
  assert.equal(splitWords(true), 0);
  assert.ok(splitWords(false) > 0, 'token-level masking should sometimes take one piece of a word');
});

test('masks are a pure function of (seed, epoch, sequence): same again, new each epoch', () => {
  const seqs = corpus(50);
  const a = mlmBatch(seqs, [3, 9, 4], 11, 2, ids);
  const b = mlmBatch(seqs, [3, 9, 4], 11, 2, ids);
  assert.deepEqual(a, b);
  // The same sequence masks the same way in another batch (resume with other batch boundaries).
  const alone = mlmBatch(seqs, [9], 11, 2, ids);
  const row1 = a.inputIds.slice(a.seqLen, a.seqLen + seqs[9]!.ids.length);
  assert.deepEqual([...alone.inputIds.slice(0, seqs[9]!.ids.length)], [...row1]);
  const c = mlmBatch(seqs, [3, 9, 4], 11, 3, ids);
  assert.notDeepEqual([...a.positions], [...c.positions]);
  // Flat positions index the padded batch, and labels are the original tokens there.
  a.positions.forEach((p, k) => {
    const b = Math.floor(Number(p) / a.seqLen);
    const s = Number(p) % a.seqLen;
    assert.equal(Number(a.labels[k]), seqs[[3, 9, 4][b]!]!.ids[s]);
    assert.equal(a.attentionMask[Number(p)], 1n);
  });
});
