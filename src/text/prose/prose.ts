/**
 * Which parts of a document are prose, by language: plain text is all prose; Markdown is read as
 * Markdown; in other languages only comments, and only when asked (sentenceLens.annotateComments).
 * Pure: no vscode import.
 */
import { commentProse } from './comments.js';
import { PROSE_LANGUAGES, type ProseOptions } from './languages.js';
import { markdownProse } from './markdown.js';

/** A stretch of the document's own text: `text === documentText.slice(start, start + text.length)`. */
export interface ProsePiece {
  readonly start: number;
  readonly text: string;
}

/**
 * A paragraph of prose: pieces in document order. Sentences never cross blocks. Between two
 * pieces lies markup that is not prose (emphasis markers, a link's URL, inline code, a comment's
 * `//` and line break); a gap with a line break reads as a space, any other as nothing.
 */
export interface ProseBlock {
  readonly pieces: readonly ProsePiece[];
}

export function proseBlocks(text: string, languageId: string, options: ProseOptions = {}): ProseBlock[] {
  if (languageId === 'markdown') return markdownProse(text, { headings: options.headings });
  if (PROSE_LANGUAGES.includes(languageId)) return text ? [{ pieces: [{ start: 0, text }] }] : [];
  if (options.comments) return commentProse(text, languageId);
  return [];
}
