import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commentProse } from '../../../src/text/prose/comments.js';
import { noProseReason } from '../../../src/text/prose/languages.js';
import { stillInPlace } from '../../../src/extension/annotation-state.js';
import { documentSentences, sentencesIn } from '../../../src/text/sentences.js';

const texts = (src: string, lang = 'markdown', options = {}) => documentSentences(src, lang, options).map((s) => s.text);

test('Markdown: each construct that is not prose gets no sentence', () => {
  const cases: [string, string, string[]][] = [
    ['heading (off by default)', '# Great food here\n\nThe soup was warm.\n', ['The soup was warm.']],
    ['fenced code', '```js\nconst a = "The soup was cold.";\n```\nThe soup was warm.\n', ['The soup was warm.']],
    ['indented code', 'The soup was warm.\n\n    The soup was cold in code.\n', ['The soup was warm.']],
    ['inline code', 'Run `npm test` before the match.\n', ['Run before the match.']],
    ['table', '| The soup was cold. | We lost. |\n|---|---|\n| A cell. | B cell. |\n\nThe soup was warm.\n', ['The soup was warm.']],
    ['YAML front matter', '---\ntitle: Not prose here.\n---\nThe soup was warm.\n', ['The soup was warm.']],
    ['TOML front matter', '+++\ntitle = "Not prose."\n+++\nThe soup was warm.\n', ['The soup was warm.']],
    ['HTML block and inline', '<div>Not prose at all.</div>\n\nThe soup was <b>warm</b>.\n', ['The soup was warm.']],
    ['link reference definition', '[ref]: https://example.com "Not prose."\n\nThe soup was warm.\n', ['The soup was warm.']],
    ['list markers', '- The soup was warm.\n- We lost the match.\n1. A good book.\n', ['The soup was warm.', 'We lost the match.', 'A good book.']],
    ['block quote markers across lines', '> The soup was\n> warm. We lost.\n', ['The soup was warm.', 'We lost.']],
    ['link text, not its URL', 'We ate at [the new place](https://example.com/food) today.\n', ['We ate at the new place today.']],
    ['bare and angle URLs', 'See https://example.com/x and <https://example.org> for more.\n', ['See and for more.']],
    ['image alt text', 'Look ![a cat photo](cat.png) here.\n', ['Look here.']],
    ['emphasis keeps its words', 'The **soup** was _really_ ~~cold~~ warm.\n', ['The soup was really cold warm.']],
    ['a paragraph over lines is one stretch', 'The soup was\nwarm. We lost\nthe match.\n', ['The soup was warm.', 'We lost the match.']],
  ];
  for (const [what, src, want] of cases) assert.deepEqual(texts(src), want, what);
});

test('Markdown headings are prose when asked', () => {
  assert.deepEqual(texts('# Great food here\n\nThe soup was warm.\n', 'markdown', { headings: true }), ['Great food here', 'The soup was warm.']);
});

test('Markdown ranges cover the source; text is what the model reads', () => {
  const src = '- She reads a **novel** on the [train](https://x.org/t).\n  Dr. Smith ate 3.5 kg of pasta.\n';
  const s = documentSentences(src, 'markdown');
  assert.deepEqual(s.map((x) => x.text), ['She reads a novel on the train.', 'Dr. Smith ate 3.5 kg of pasta.']);
  assert.equal(src.slice(s[0]!.start, s[0]!.end), 'She reads a **novel** on the [train](https://x.org/t).');
  assert.equal(s[0]!.source, 'She reads a **novel** on the [train](https://x.org/t).');
  assert.equal(s[1]!.source, undefined, 'no markup: the text is the source');
  assert.deepEqual(stillInPlace(s, src), s);
  assert.deepEqual(stillInPlace(s, src.replace('novel', 'story')), [s[1]]);
});

test('a Markdown selection classifies the prose it covers', () => {
  const src = '# Title\n\nThe soup was **warm**. We lost.\n\n```\ncode. More code.\n```\n';
  const all = sentencesIn(src, 0, src.length, 'markdown');
  assert.deepEqual(all.map((s) => s.text), ['The soup was warm.', 'We lost.']);
});

test('code: comments only, and only when asked', () => {
  const ts = 'const a = "// not a comment. Really.";\n// The soup was great. We loved\n// it very much.\nlet b = 1; // A trailing one.\n/**\n * Block comment text. Another one.\n */\n';
  assert.deepEqual(texts(ts, 'typescript'), []);
  assert.deepEqual(texts(ts, 'typescript', { comments: true }), ['The soup was great.', 'We loved it very much.', 'A trailing one.', 'Block comment text.', 'Another one.']);
  assert.deepEqual(texts('x = "# no"  # The soup was warm.\n', 'python', { comments: true }), ['The soup was warm.']);
  assert.deepEqual(commentProse('<!-- Hidden words here. -->\n<p>Visible.</p>', 'html').length, 1);
  assert.match(noProseReason('typescript', {})!, /only comments, when the setting sentenceLens.annotateComments is on/);
  assert.equal(noProseReason('typescript', { comments: true }), undefined);
  assert.match(noProseReason('json', { comments: true })!, /"json" documents are not annotated/);
  assert.equal(noProseReason('markdown', {}), undefined);
});
