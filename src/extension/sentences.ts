/**
 * Sentence ranges in a document: its prose (see prose/prose.ts: plain text, Markdown read as
 * Markdown, comments in code when asked) cut into sentences (see segment.ts). Offsets are UTF-16
 * code units, the same as VS Code's document offsets. Pure: no vscode import.
 */
import { hasCommentSyntax } from './prose/comments.js';
import { type ProseBlock, type ProseOptions, proseBlocks } from './prose/prose.js';
import { sentenceSegments } from './segment.js';

export interface SentenceRange {
  /** Offset of the first non-space character. */
  readonly start: number;
  /** Offset just past the last non-space character. */
  readonly end: number;
  /** What the model reads: the sentence's prose, without markup (Markdown emphasis, link URLs…). */
  readonly text: string;
  /** The document's own text of [start, end), when it differs from `text` (markup inside). */
  readonly source?: string;
}

/** The document text a sentence was read from: its range's text when it was classified. */
export function sourceOf(s: SentenceRange): string {
  return s.source ?? s.text;
}

/** Every sentence of plain `text`, trimmed of surrounding whitespace, blank ones skipped; `base` is added to offsets. */
export function sentenceRanges(text: string, base = 0, locale?: string): SentenceRange[] {
  const out: SentenceRange[] = [];
  for (const { segment, index } of sentenceSegments(text, locale)) {
    const trimmed = segment.trim();
    if (!trimmed) continue;
    const start = base + index + (segment.length - segment.trimStart().length);
    out.push({ start, end: start + trimmed.length, text: trimmed });
  }
  return out;
}

/** The sentences of one prose block: its pieces joined (see ProseBlock), segmented, mapped back. */
export function blockSentences(text: string, block: ProseBlock, locale?: string): SentenceRange[] {
  const { pieces } = block;
  if (pieces.length === 1) return sentenceRanges(pieces[0]!.text, pieces[0]!.start, locale);
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
  return sentenceRanges(joined, 0, locale).map((s) => {
    const start = docOffset(s.start, false);
    const end = docOffset(s.end, true);
    const source = text.slice(start, end);
    // Removed markup (inline code, a URL) can leave runs of spaces; the model reads one.
    const prose = s.text.replace(/\s{2,}/g, ' ');
    return source === prose ? { start, end, text: prose } : { start, end, text: prose, source };
  });
}

/** Every sentence of a document's prose, in document order. */
export function documentSentences(text: string, languageId: string, options: ProseOptions = {}, locale?: string): SentenceRange[] {
  return proseBlocks(text, languageId, options).flatMap((b) => blockSentences(text, b, locale));
}

/**
 * The sentence holding `offset` (its end counts, so a cursor just after the full stop finds it);
 * in whitespace between sentences, the one before on the same stretch, else the next.
 */
export function sentenceAt(text: string, offset: number, languageId = 'plaintext', options: ProseOptions = {}, locale?: string): SentenceRange | undefined {
  const all = documentSentences(text, languageId, options, locale);
  const inside = all.find((s) => s.start <= offset && offset <= s.end);
  if (inside) return inside;
  const before = all.filter((s) => s.end < offset).at(-1);
  if (before && !text.slice(before.end, offset).includes('\n')) return before;
  const next = all.find((s) => s.start > offset);
  if (next && !text.slice(offset, next.start).includes('\n')) return next;
  return undefined;
}

/**
 * The sentences of the selection `text.slice(start, end)`, in document offsets. In Markdown (and
 * in code when comments are prose) these are the document's sentences that the selection covers,
 * a sentence cut by the selection's edge counting by its selected part; elsewhere the selection
 * is read as plain text (the user chose it).
 */
export function sentencesIn(text: string, start: number, end: number, languageId = 'plaintext', options: ProseOptions = {}, locale?: string): SentenceRange[] {
  const structured = languageId === 'markdown' || (options.comments === true && hasCommentSyntax(languageId));
  if (!structured) return sentenceRanges(text.slice(start, end), start, locale);
  const out: SentenceRange[] = [];
  for (const s of documentSentences(text, languageId, options, locale)) {
    if (s.end <= start || s.start >= end) continue;
    if (s.start >= start && s.end <= end) out.push(s);
    else {
      const from = Math.max(s.start, start);
      out.push(...sentenceRanges(text.slice(from, Math.min(s.end, end)), from, locale));
    }
  }
  return out;
}
