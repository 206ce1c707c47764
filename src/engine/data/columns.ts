import { SentenceLensError } from '../errors.js';

/**
 * Decides which header column holds the text and which hold each task's labels. Guessing
 * makes the common CSVs work with no settings; the options override any part of the guess.
 */

export interface ColumnMapping {
  text: { column: string; index: number };
  tasks: { name: string; column: string; index: number }[];
  /** Columns the guess left out because their values cannot be labels, each with why. */
  excluded: ExcludedColumn[];
}

export interface ExcludedColumn {
  column: string;
  index: number;
  /** Why the values cannot be a task's labels, e.g. "one value ('x') on every row". */
  reason: string;
}

/** From this many labelled rows on, a column with a different value on nearly every row is free text or ids, not labels. */
const FREE_TEXT_MIN_ROWS = 5;
/** "Nearly every row": at least this fraction of the labelled rows has a value of its own. */
const FREE_TEXT_DISTINCT_FRACTION = 0.9;

/** Text headers, most specific first: when several are present the earlier wins. */
export const TEXT_HEADERS = ['sentence', 'text', 'sentences', 'content', 'utterance', 'review', 'body'];

/** Headers that all mean "sentiment", so checkpoints trained on either share a task name. */
const SENTIMENT_HEADERS = new Set(['sentiment', 'polarity', 'emotion', 'sentiment_label']);

/** Columns that identify rows rather than label them; a classifier over ids learns nothing. */
const ID_HEADER = /^(id|idx|index|uuid|guid|key|row|rowid|row_id|#|unnamed: ?0)$|[ _-]id$/;

function normalize(header: string): string {
  return header.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * `rows` (the data records' fields, when known) let the guess leave out columns whose values
 * cannot be labels; columns mapped explicitly are always kept.
 */
export function mapColumns(
  file: string,
  header: readonly string[],
  options: { textColumn?: string; tasks?: Record<string, string> },
  rows?: readonly (readonly string[])[],
): ColumnMapping {
  const listed = header.map((h) => `'${h}'`).join(', ');
  const find = (column: string, option: string): number => {
    let index = header.indexOf(column);
    if (index < 0) index = header.findIndex((h) => h.toLowerCase() === column.trim().toLowerCase());
    if (index < 0) {
      throw new SentenceLensError(
        'BAD_CSV',
        `${file}:1: column '${column}' (from ${option}) is not in the header; expected one of ${listed}`,
      );
    }
    return index;
  };

  let textIndex: number;
  if (options.textColumn !== undefined) textIndex = find(options.textColumn, 'textColumn');
  else {
    const normalized = header.map(normalize);
    const known = TEXT_HEADERS.map((t) => normalized.indexOf(t)).find((i) => i >= 0);
    if (known === undefined) {
      throw new SentenceLensError(
        'BAD_CSV',
        `${file}:1: no text column found among ${listed}; expected a column named one of ` +
          `${TEXT_HEADERS.join(', ')}, or set textColumn to the column holding the sentences`,
      );
    }
    textIndex = known;
  }
  const text = { column: header[textIndex]!, index: textIndex };

  let tasks: ColumnMapping['tasks'];
  let excluded: ExcludedColumn[] = [];
  if (options.tasks !== undefined) {
    tasks = Object.entries(options.tasks).map(([name, column]) => {
      if (name.trim() === '') {
        throw new SentenceLensError('BAD_ARGUMENT', `tasks: a task for column '${column}' has an empty name; expected a task name such as 'topic'`);
      }
      const index = find(column, `tasks.${name}`);
      return { name, column: header[index]!, index };
    });
    const clash = tasks.find((t) => t.index === textIndex);
    if (clash) {
      throw new SentenceLensError(
        'BAD_CSV',
        `${file}:1:${textIndex + 1}: column '${clash.column}' is both the text column and task '${clash.name}'; expected a separate label column`,
      );
    }
  } else {
    const guessed = guessTasks(header, textIndex);
    excluded = rows ? guessed.flatMap((t) => excludedFor(t, rows)) : [];
    tasks = guessed.filter((t) => !excluded.some((e) => e.index === t.index));
  }

  if (tasks.length === 0) {
    const why = excluded.map((e) => `'${e.column}' has ${e.reason}`).join('; ');
    throw new SentenceLensError(
      'BAD_CSV',
      `${file}:1: no label columns found: the header has ${listed}, with '${text.column}' as the text` +
        `${why ? ` (left out: ${why})` : ''}; ` +
        `expected at least one label column such as 'topic' or 'sentiment', or map one with tasks, e.g. { "topic": "<column>" }`,
    );
  }
  return { text, tasks, excluded };
}

/** The column as excluded, when its values show it cannot be a task (one value; free text). */
function excludedFor(task: { column: string; index: number }, rows: readonly (readonly string[])[]): ExcludedColumn[] {
  const values = rows.map((r) => r[task.index]?.trim() ?? '').filter((v) => v !== '');
  const distinct = new Set(values);
  const out = (reason: string): ExcludedColumn[] => [{ column: task.column, index: task.index, reason }];
  if (values.length === 0) return out('no value on any row');
  if (distinct.size === 1) return out(`one value ('${[...distinct][0]}') on every row, and a classifier needs at least two labels`);
  if (values.length >= FREE_TEXT_MIN_ROWS && distinct.size >= FREE_TEXT_DISTINCT_FRACTION * values.length) {
    return out(`${distinct.size} different values in ${values.length} rows, like free text or ids rather than labels`);
  }
  return [];
}

function guessTasks(header: readonly string[], textIndex: number): ColumnMapping['tasks'] {
  const candidates = header
    .map((column, index) => ({ column, index, n: normalize(column) }))
    // A blank header is usually a spreadsheet's index column or a trailing delimiter.
    .filter((c) => c.index !== textIndex && c.n !== '' && !ID_HEADER.test(c.n));
  // Only one column may become 'sentiment'; a column literally named so has first claim,
  // and a second sentiment-like column (polarity next to emotion) keeps its own name.
  let sentimentTaken = candidates.some((c) => c.column.trim().toLowerCase() === 'sentiment');
  return candidates.map(({ column, index, n }) => {
    let name = column.trim().toLowerCase();
    if (!sentimentTaken && SENTIMENT_HEADERS.has(n)) {
      name = 'sentiment';
      sentimentTaken = true;
    }
    return { name, column, index };
  });
}

/** Columns the mapping leaves out, so the reader can say they were ignored. */
export function unusedColumns(header: readonly string[], mapping: ColumnMapping): { column: string; index: number }[] {
  const used = new Set([mapping.text.index, ...mapping.tasks.map((t) => t.index)]);
  return header.map((column, index) => ({ column, index })).filter((c) => !used.has(c.index));
}
