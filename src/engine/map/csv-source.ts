/**
 * A CSV's sentences for the map, with gold labels for the model's tasks where the CSV has a
 * column named like the task. Labelled files are read exactly as `sentence-lens eval` reads them
 * (readTrainingCsv, the heads' label vocabularies, the same-named columns), so the map's
 * disagreements are eval's errors; rows eval would refuse are skipped and named in a note.
 */
import { readFile } from 'node:fs/promises';
import { readTrainingCsv } from '../data/csv.js';
import { TEXT_HEADERS } from '../data/columns.js';
import { detectDelimiter } from '../data/delimiter.js';
import { LineIndex } from '../data/lines.js';
import { parseRecords, type RawRecord } from '../data/records.js';
import { decodeUtf8 } from '../data/utf8.js';
import { SentenceLensError } from '../errors.js';
import type { MapTask } from './map-data.js';

export interface MapCsv {
  readonly texts: string[];
  readonly lines: number[];
  /** Task → gold label index per row (-1: none), for the tasks the CSV has a column for. */
  readonly gold: Record<string, number[]>;
  readonly textColumn: string;
  readonly notes: string[];
}

export async function readMapCsv(path: string, heads: readonly MapTask[], options: { textColumn?: string } = {}): Promise<MapCsv> {
  const records = await readRecords(path);
  const header = records[0]!.fields.map((h) => h.trim());
  // eval's rule: a head's labels come from the column of the same name (exact, else any case).
  const columns: Record<string, string> = {};
  for (const h of heads) {
    const column = header.find((c) => c === h.name) ?? header.find((c) => c.toLowerCase() === h.name.toLowerCase());
    if (column !== undefined && column !== options.textColumn) columns[h.name] = column;
  }
  if (Object.keys(columns).length === 0) return textOnly(path, header, records, options.textColumn);
  const csv = await readTrainingCsv(path, {
    textColumn: options.textColumn,
    tasks: columns,
    labelVocab: Object.fromEntries(heads.map((h) => [h.name, [...h.labels]])),
    onBadRow: 'skip',
  });
  const gold: Record<string, number[]> = {};
  for (const t of csv.tasks) gold[t.name] = csv.rows.map((r) => r.labels[t.name] ?? -1);
  return { texts: csv.rows.map((r) => r.text), lines: csv.rows.map((r) => r.line), gold, textColumn: csv.textColumn, notes: skippedNotes(csv.skipped) };
}

function skippedNotes(skipped: readonly { message: string }[]): string[] {
  if (skipped.length === 0) return [];
  const more = skipped.length > 3 ? ` (and ${skipped.length - 3} more)` : '';
  return [`${skipped.length} row${skipped.length === 1 ? '' : 's'} not on the map${more}:`, ...skipped.slice(0, 3).map((s) => s.message)];
}

/** A CSV without label columns for the model's tasks: its text column only, every non-blank row. */
function textOnly(path: string, header: string[], records: RawRecord[], textColumn: string | undefined): MapCsv {
  const index = textColumnIndex(path, header, textColumn);
  const texts: string[] = [];
  const lines: number[] = [];
  let blank = 0;
  for (const r of records.slice(1)) {
    const text = (r.fields[index] ?? '').trim().replace(/\r\n?/g, '\n');
    if (text === '') blank++;
    else {
      texts.push(text);
      lines.push(r.line);
    }
  }
  if (texts.length === 0) throw new SentenceLensError('BAD_CSV', `${path}: column '${header[index]}' has no text on any row; expected one sentence per row`);
  const notes = blank > 0 ? [`${blank} row${blank === 1 ? '' : 's'} with empty text not on the map`] : [];
  return { texts, lines, gold: {}, textColumn: header[index]!, notes };
}

function textColumnIndex(path: string, header: string[], textColumn: string | undefined): number {
  const listed = header.map((h) => `'${h}'`).join(', ');
  if (textColumn !== undefined) {
    const named = header.findIndex((h) => h === textColumn || h.toLowerCase() === textColumn.trim().toLowerCase());
    if (named < 0) throw new SentenceLensError('BAD_CSV', `${path}:1: column '${textColumn}' (the text column) is not in the header; expected one of ${listed}`);
    return named;
  }
  // A one-column file is its own text column, whatever the header says.
  if (header.length === 1) return 0;
  const normalized = header.map((h) => h.toLowerCase().replace(/[\s-]+/g, '_'));
  const known = TEXT_HEADERS.map((t) => normalized.indexOf(t)).find((i) => i >= 0);
  if (known === undefined) {
    throw new SentenceLensError('BAD_CSV', `${path}:1: no text column found among ${listed}; expected a column named one of ${TEXT_HEADERS.join(', ')}, or name the text column`);
  }
  return known;
}

async function readRecords(path: string): Promise<RawRecord[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SentenceLensError(code === 'ENOENT' ? 'MISSING_FILE' : 'BAD_ARGUMENT', `${path}: cannot read the file (${code ?? String(e)}); expected a CSV file`, { cause: e });
  }
  const decoded = decodeUtf8(bytes);
  // readTrainingCsv says exactly where the bad byte is; let it.
  if ('badOffset' in decoded) await readTrainingCsv(path);
  const text = 'text' in decoded ? decoded.text : '';
  if (text.replace(/^\ufeff/, '').trim() === '') throw new SentenceLensError('BAD_CSV', `${path}: the file is empty; expected a header row followed by one sentence per row`);
  const records = parseRecords(path, bytes, detectDelimiter(text), new LineIndex(bytes));
  if (records.length < 2) throw new SentenceLensError('BAD_CSV', `${path}: the file has a header but no rows; expected one sentence per row below the header`);
  return records;
}
