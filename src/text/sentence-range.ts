/**
 * A sentence of a document, as the prose reader (sentences.ts) returns it. Its own module, free of
 * the reader's libraries, so that the extension host (which only receives sentences from the prose
 * worker) does not load a Markdown parser or a sentence splitter.
 */
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

/** A selection in document offsets; `start === end` is a cursor. */
export interface Span {
  readonly start: number;
  readonly end: number;
}
