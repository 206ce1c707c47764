/**
 * Which documents have prose, by language, and the options that widen it: the part of the prose
 * reader the extension host itself needs (to explain why a document has nothing to annotate),
 * free of the Markdown parser and the sentence splitter, which only the prose worker and the CLI load.
 */
import { hasCommentSyntax } from './comments.js';

export interface ProseOptions {
  /** Markdown headings are prose. */
  readonly headings?: boolean;
  /** Comments in source code are prose. */
  readonly comments?: boolean;
}

/** Language ids read as prose throughout. */
export const PROSE_LANGUAGES: readonly string[] = ['plaintext', 'markdown'];

/** Why a document has no prose to annotate, or undefined when it may have some. */
export function noProseReason(languageId: string, options: ProseOptions): string | undefined {
  if (PROSE_LANGUAGES.includes(languageId)) return undefined;
  if (!hasCommentSyntax(languageId)) return `Sentence Lens reads plain text and Markdown as prose; "${languageId}" documents are not annotated.`;
  if (!options.comments) {
    return `Sentence Lens reads plain text and Markdown as prose; in "${languageId}" code it reads only comments, when the setting sentenceLens.annotateComments is on.`;
  }
  return undefined;
}
