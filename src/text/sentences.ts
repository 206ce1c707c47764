/**
 * The prose reader: sentence ranges in a document, its prose (see prose/prose.ts: plain text,
 * Markdown read as Markdown, comments in code when asked) cut into sentences (see segment.ts).
 * Offsets are UTF-16 code units, the same as VS Code's document offsets. Pure (no vscode, no
 * extension code): Annotate Document and every editor command read through the prose worker
 * (src/text/reader-worker.ts, off the extension host's thread), the CLI calls it directly.
 */
import { hasCommentSyntax } from './prose/comments.js';
import type { ProseOptions } from './prose/languages.js';
import { type ProseBlock, proseBlocks } from './prose/prose.js';
import { sentenceSegments } from './segment.js';
import type { SentenceRange, Span } from './sentence-range.js';

export { type SentenceRange, type Span, sourceOf } from './sentence-range.js';

/**
 * Every sentence of plain `text`, trimmed of surrounding whitespace, blank ones skipped; `base` is
 * added to offsets. Not exported: a caller that holds a document reads it with `readSentences`
 * (by its language), so that nothing reads Markdown or code as plain text by mistake.
 */
function* plainSentences(text: string, base = 0, locale?: string): Generator<SentenceRange> {
  for (const { segment, index } of sentenceSegments(text, locale)) {
    const trimmed = segment.trim();
    if (!trimmed) continue;
    const start = base + index + (segment.length - segment.trimStart().length);
    yield { start, end: start + trimmed.length, text: trimmed };
  }
}

/** The sentences of one prose block: its pieces joined (see ProseBlock), segmented, mapped back. */
function* blockSentences(text: string, block: ProseBlock, locale?: string): Generator<SentenceRange> {
  const { pieces } = block;
  if (pieces.length === 1) {
    yield* plainSentences(pieces[0]!.text, pieces[0]!.start, locale);
    return;
  }
  // joined[at[k] ..] holds pieces[k]; a separator (' ' or '') precedes each piece after the first.
  let joined = '';
  const at: number[] = [];
  pieces.forEach((p, k) => {
    if (k > 0) {
      const prev = pieces[k - 1]!;
      if (text.slice(prev.start + prev.text.length, p.start).includes('\n')) joined += ' ';
    }
    at.push(joined.length);
    joined += p.text;
  });
  const docOffset = (j: number, isEnd: boolean): number => {
    // The piece holding joined offset j (for an end: holding j - 1, the last character).
    const probe = isEnd ? j - 1 : j;
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (at[mid]! <= probe) lo = mid;
      else hi = mid - 1;
    }
    return pieces[lo]!.start + probe - at[lo]! + (isEnd ? 1 : 0);
  };
  for (const s of plainSentences(joined, 0, locale)) {
    const start = docOffset(s.start, false);
    const end = docOffset(s.end, true);
    const source = text.slice(start, end);
    // Removed markup (inline code, a URL) can leave runs of spaces; the model reads one.
    const prose = s.text.replace(/\s{2,}/g, ' ');
    yield source === prose ? { start, end, text: prose } : { start, end, text: prose, source };
  }
}

/**
 * Every sentence of a document's prose, in document order, one at a time: the prose worker
 * (reader-worker.ts) reads with this so that it can stop between sentences when its request is
 * cancelled. The document's structure (a Markdown parse) is read at the first `next()`.
 */
export function* readSentences(text: string, languageId: string, options: ProseOptions = {}, locale?: string): Generator<SentenceRange> {
  for (const block of proseBlocks(text, languageId, options)) yield* blockSentences(text, block, locale);
}

/** Every sentence of a document's prose, in document order. */
export function documentSentences(text: string, languageId: string, options: ProseOptions = {}, locale?: string): SentenceRange[] {
  return [...readSentences(text, languageId, options, locale)];
}

/**
 * The sentences each selection means (one list per selection): the sentence at a cursor (see
 * `sentenceAt`), the sentences a selection covers (see `sentencesIn`). The document is read once.
 */
export function selectionSentences(text: string, selections: readonly Span[], languageId = 'plaintext', options: ProseOptions = {}, locale?: string): SentenceRange[][] {
  let all: SentenceRange[] | undefined;
  const document = (): SentenceRange[] => (all ??= documentSentences(text, languageId, options, locale));
  const structured = languageId === 'markdown' || (options.comments === true && hasCommentSyntax(languageId));
  return selections.map(({ start, end }) => {
    if (start === end) {
      const s = pickAt(document(), text, start);
      return s ? [s] : [];
    }
    // Outside Markdown and comments, a selection is read as plain text (the user chose it).
    if (!structured) return [...plainSentences(text.slice(start, end), start, locale)];
    return coveredBy(document(), text, start, end, locale);
  });
}

/**
 * The sentence holding `offset` (its end counts, so a cursor just after the full stop finds it);
 * in whitespace between sentences, the one before on the same stretch, else the next.
 */
export function sentenceAt(text: string, offset: number, languageId = 'plaintext', options: ProseOptions = {}, locale?: string): SentenceRange | undefined {
  return selectionSentences(text, [{ start: offset, end: offset }], languageId, options, locale)[0]![0];
}

/**
 * The sentences of the selection `text.slice(start, end)`, in document offsets. In Markdown (and
 * in code when comments are prose) these are the document's sentences that the selection covers,
 * a sentence cut by the selection's edge counting by its selected part; elsewhere the selection
 * is read as plain text (the user chose it).
 */
export function sentencesIn(text: string, start: number, end: number, languageId = 'plaintext', options: ProseOptions = {}, locale?: string): SentenceRange[] {
  if (start === end) return [];
  return selectionSentences(text, [{ start, end }], languageId, options, locale)[0]!;
}

function pickAt(all: readonly SentenceRange[], text: string, offset: number): SentenceRange | undefined {
  const inside = all.find((s) => s.start <= offset && offset <= s.end);
  if (inside) return inside;
  const before = all.filter((s) => s.end < offset).at(-1);
  if (before && !text.slice(before.end, offset).includes('\n')) return before;
  const next = all.find((s) => s.start > offset);
  if (next && !text.slice(offset, next.start).includes('\n')) return next;
  return undefined;
}

function coveredBy(all: readonly SentenceRange[], text: string, start: number, end: number, locale: string | undefined): SentenceRange[] {
  const out: SentenceRange[] = [];
  for (const s of all) {
    if (s.end <= start || s.start >= end) continue;
    if (s.start >= start && s.end <= end) out.push(s);
    else {
      const from = Math.max(s.start, start);
      out.push(...plainSentences(text.slice(from, Math.min(s.end, end)), from, locale));
    }
  }
  return out;
}
