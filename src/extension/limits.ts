/** Limits of the editor commands, in a module free of `vscode` so tests can name them. */

/** Classify Sentence refuses selections longer than this (Annotate Document is for whole texts). */
export const MAX_SELECTION_CHARS = 100_000;
