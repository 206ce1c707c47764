/**
 * A training CSV as a person choosing its columns needs to see it: the header, the first rows,
 * the engine's guess of the text and task columns (and which columns it left out, and why),
 * label counts per task, and every problem the training reader would report, each with the
 * place in the file it is about. Never throws for a bad file: the problem is the answer.
 */
import { readFile } from 'node:fs/promises';
import { SentenceLensError } from '../errors.js';
import { mapColumns } from './columns.js';
import { readTrainingCsv } from './csv.js';
import { detectDelimiter } from './delimiter.js';
import { LineIndex } from './lines.js';
import { parseRecords } from './records.js';
import { decodeUtf8 } from './utf8.js';

export interface FileLocation {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
}

export interface LocatedProblem {
  readonly message: string;
  readonly location?: FileLocation;
}

export interface CsvInspection {
  readonly csv: string;
  readonly header: string[];
  readonly preview: string[][];
  /** Data rows (records after the header). */
  readonly rows: number;
  /** The engine's guess with no mapping given; null when the file cannot be guessed. */
  readonly guess: { text: string; tasks: { name: string; column: string }[]; excluded: { column: string; reason: string }[] } | null;
  /** Task → label → labelled rows, for the mapping asked for (or the guess). */
  readonly labelCounts: Record<string, Record<string, number>>;
  readonly warnings: LocatedProblem[];
  /** Why the file cannot train with this mapping. */
  readonly error?: LocatedProblem;
}

export interface InspectOptions {
  readonly textColumn?: string;
  readonly tasks?: Record<string, string>;
  /** Rows of preview (default 8). */
  readonly previewRows?: number;
}

export async function inspectCsv(path: string, options: InspectOptions = {}): Promise<CsvInspection> {
  const raw = await rawRecords(path);
  const header = raw.records[0]?.map((h) => h.trim()) ?? [];
  const data = raw.records.slice(1);
  let guess: CsvInspection['guess'] = null;
  if (header.length > 0) {
    try {
      const m = mapColumns(path, header, {}, data);
      guess = { text: m.text.column, tasks: m.tasks.map((t) => ({ name: t.name, column: t.column })), excluded: m.excluded.map((e) => ({ column: e.column, reason: e.reason })) };
    } catch {
      // No guess: the reader's error below says why.
    }
  }
  const base = { csv: path, header, preview: data.slice(0, options.previewRows ?? 8), rows: data.length, guess };
  try {
    const read = await readTrainingCsv(path, { textColumn: options.textColumn, tasks: options.tasks });
    const labelCounts: Record<string, Record<string, number>> = {};
    for (const task of read.tasks) {
      const counts = Object.fromEntries(task.labels.map((l) => [l, 0]));
      for (const row of read.rows) {
        const i = row.labels[task.name];
        if (i !== null && i !== undefined) counts[task.labels[i]!]!++;
      }
      labelCounts[task.name] = counts;
    }
    return { ...base, labelCounts, warnings: read.warnings.map((w) => located(path, w.message, w.line, w.column)) };
  } catch (e) {
    if (!(e instanceof SentenceLensError)) throw e;
    return { ...base, labelCounts: {}, warnings: [], error: locateMessage(path, e.message) ?? raw.error ?? { message: e.message } };
  }
}

/** The records as parsed (no checks), or none with the parse error when the file is unreadable. */
async function rawRecords(path: string): Promise<{ records: string[][]; error?: LocatedProblem }> {
  try {
    const bytes = await readFile(path);
    const decoded = decodeUtf8(bytes);
    if ('badOffset' in decoded) return { records: [] };
    const records = parseRecords(path, bytes, detectDelimiter(decoded.text), new LineIndex(bytes));
    return { records: records.map((r) => r.fields).filter((f) => !(f.length === 1 && f[0]!.trim() === '')) };
  } catch (e) {
    return { records: [], error: e instanceof Error ? (locateMessage(path, e.message) ?? { message: e.message }) : { message: String(e) } };
  }
}

function located(file: string, message: string, line: number, column?: number): LocatedProblem {
  return { message, location: { file, line, ...(column !== undefined ? { column } : {}) } };
}

/** The engine words a located problem `FILE:LINE[:COLUMN]: …`; this reads the place back. */
export function locateMessage(file: string, message: string): LocatedProblem | undefined {
  if (!message.startsWith(`${file}:`)) return undefined;
  const m = /^(\d+)(?::(\d+))?:/.exec(message.slice(file.length + 1));
  if (!m) return { message, location: { file, line: 1 } };
  return located(file, message, Number(m[1]), m[2] === undefined ? undefined : Number(m[2]));
}
