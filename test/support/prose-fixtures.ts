/** Documents for the prose reader's tests: Markdown with every construct, and big documents. */

/**
 * Every Markdown construct the reader knows, each non-prose one holding sentence-like text that
 * must never be read ("NOT PROSE"), and the prose around them. The prose sentences are listed in
 * EVERY_CONSTRUCT_PROSE, in order.
 */
export const EVERY_CONSTRUCT = `---
title: NOT PROSE in YAML front matter. Really not.
---

# NOT PROSE heading. It is off by default.

The soup was warm and full of **fresh** vegetables. Dr. Smith ate 3.5 kg of _pasta_.

Setext heading NOT PROSE either
===============================

- Our team won the football match in extra time.
- She reads a novel on the [train](https://example.com/NOT-PROSE-url) every week.
  1. A nested item is prose too.
- [x] A finished task is prose.

> The referee showed him a red card.
> It was the second one.

\`\`\`js
const a = "NOT PROSE in a fence. Really.";
\`\`\`

~~~
NOT PROSE in a tilde fence.
~~~

    NOT PROSE in indented code. At all.

| NOT PROSE cell. | NOT PROSE either. |
|---|---|
| NOT PROSE body. | NOT PROSE body too. |

<div>NOT PROSE in an HTML block.</div>

[ref]: https://example.com/ref "NOT PROSE title"

Run \`NOT PROSE inline code\` before the match starts.
See https://example.com/NOT-PROSE and <https://example.org/NOT-PROSE> for more.
Look ![NOT PROSE alt text](cat.png) at the cat.
This is ~~really~~ good food.[^1]
A hard break follows here.\\
And the line after it.

***

[^1]: A footnote is prose as well.
`;

/** What the reader must return for EVERY_CONSTRUCT, in order (the model's text). */
export const EVERY_CONSTRUCT_PROSE = [
  'The soup was warm and full of fresh vegetables.',
  'Dr. Smith ate 3.5 kg of pasta.',
  'Our team won the football match in extra time.',
  'She reads a novel on the train every week.',
  'A nested item is prose too.',
  'A finished task is prose.',
  'The referee showed him a red card.',
  'It was the second one.',
  'Run before the match starts.',
  'See and for more.',
  'Look at the cat.',
  'This is really good food.',
  'A hard break follows here.',
  'And the line after it.',
  'A footnote is prose as well.',
];

/** `n` copies of `doc`, each with its own number so that no two paragraphs are the same. */
export function repeated(doc: string, n: number): string {
  return Array.from({ length: n }, (_, i) => doc.replace(/^---[\s\S]*?---\n/, '').replaceAll('soup', `soup ${i}`)).join('\n');
}
