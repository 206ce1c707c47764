/**
 * The workspace's labels file (`.sentence-lens/labels.csv` by default): one row per sentence a
 * person labelled, one column per task, plain RFC 4180 CSV that a person may edit or commit.
 *
 *   sentence,topic,sentiment
 *   "The soup, sadly, was cold.",food,negative
 *   We won the final!,,positive          ← no topic label for this sentence
 *
 * Reading goes through csv-parse (parseRecords) and reports a hand-broken file with its line;
 * such a file is never written over. Writing re-reads the file first (so edits made by hand
 * since are kept), changes one cell, and swaps the new text in atomically (temp + rename).
 * Pure: no vscode; the extension writes it, the model server reads it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import { LineIndex } from './lines.js';
import { parseRecords } from './records.js';
import { decodeUtf8 } from './utf8.js';

export const SENTENCE_COLUMN = 'sentence';
/** Same rule as task names in tasks.json (heads.ts validateTask). */
const TASK_COLUMN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export interface LabelRow {
  /** 1-based line where the row starts in the file it was read from (0 for a row added since). */
  readonly line: number;
  readonly sentence: string;
  /** Task → label; a task the row has no label for is absent. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface LabelsTable {
  /** Task columns in file order (the sentence column is first and not listed). */
  readonly tasks: readonly string[];
  readonly rows: readonly LabelRow[];
  /** The line break the file uses; new files use LF (as the bundled data does). */
  readonly eol: '\n' | '\r\n';
}

export const EMPTY_LABELS: LabelsTable = { tasks: [], rows: [], eol: '\n' };

function broken(path: string, line: number, what: string): never {
  throw new SentenceLensError('BAD_CSV', `${path}:${line}: ${what}. The labels file was not changed; fix it (or delete it) and label again.`);
}

/** Parses the file's bytes; throws BAD_CSV naming the line of the first problem. */
export function parseLabels(path: string, bytes: Uint8Array): LabelsTable {
  const decoded = decodeUtf8(bytes);
  const lines = new LineIndex(bytes);
  if ('badOffset' in decoded) broken(path, lines.lineOf(decoded.badOffset), 'invalid UTF-8; expected a UTF-8 text file');
  const text = decoded.text.replace(/^\ufeff/, '');
  if (text.trim() === '') return EMPTY_LABELS;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const records = parseRecords(path, bytes, ',', lines);
  const header = records[0]!;
  const names = header.fields.map((f) => f.trim());
  if (names[0]?.toLowerCase() !== SENTENCE_COLUMN) broken(path, header.line, `the first column must be "${SENTENCE_COLUMN}", found ${JSON.stringify(names[0] ?? '')}`);
  const tasks = names.slice(1);
  tasks.forEach((t, i) => {
    if (!TASK_COLUMN.test(t)) broken(path, header.line, `column ${i + 2} is named ${JSON.stringify(t)}; a task column needs a name that starts with a letter and uses letters, digits, _ or -`);
    if (tasks.indexOf(t) !== i) broken(path, header.line, `the task column "${t}" appears twice`);
  });
  const seen = new Map<string, number>();
  const rows: LabelRow[] = [];
  for (const r of records.slice(1)) {
    if (r.fields.length === 1 && r.fields[0]!.trim() === '') continue;
    if (r.fields.length !== names.length) {
      broken(path, r.line, `expected ${names.length} fields (${names.join(', ')}), found ${r.fields.length}${r.fields.length > names.length ? ' (a comma inside a sentence needs the sentence in double quotes)' : ''}`);
    }
    const sentence = r.fields[0]!;
    if (sentence.trim() === '') broken(path, r.line, 'the sentence is empty');
    const first = seen.get(sentence);
    if (first !== undefined) broken(path, r.line, `this sentence is already labelled on line ${first}; keep one row per sentence`);
    seen.set(sentence, r.line);
    const labels: Record<string, string> = {};
    tasks.forEach((t, i) => {
      const v = r.fields[i + 1]!.trim();
      if (v) labels[t] = v;
    });
    rows.push({ line: r.line, sentence, labels });
  }
  return { tasks, rows, eol };
}

/** Reads and parses the file; an absent file is an empty table. */
export async function readLabels(path: string): Promise<LabelsTable> {
  const bytes = await readBytes(path);
  return bytes ? parseLabels(path, bytes) : EMPTY_LABELS;
}

async function readBytes(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SentenceLensError('MISSING_FILE', `${path}: cannot read the labels file (${(e as Error).message})`);
  }
}

/** One field per RFC 4180: quoted when it holds a quote, comma or line break, or would lose edge spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function serializeLabels(t: LabelsTable): string {
  const line = (fields: readonly string[]) => fields.map(csvField).join(',') + t.eol;
  return line([SENTENCE_COLUMN, ...t.tasks]) + t.rows.map((r) => line([r.sentence, ...t.tasks.map((k) => r.labels[k] ?? '')])).join('');
}

/** The label a row gives `task`, '' for none, or undefined when the sentence has no row. */
export function labelOf(t: LabelsTable, sentence: string, task: string): string | undefined {
  const row = t.rows.find((r) => r.sentence === sentence);
  return row ? (row.labels[task] ?? '') : undefined;
}

/**
 * Sets (label ≠ '') or clears (label '') one cell. The sentence's row is updated in place, or
 * appended; a task column the file lacks is added; a row left with no label at all is removed
 * when `dropEmptyRow` (undo of a first label) and kept otherwise.
 */
export function setLabel(t: LabelsTable, sentence: string, task: string, label: string, options: { dropEmptyRow?: boolean } = {}): LabelsTable {
  if (!TASK_COLUMN.test(task)) throw new SentenceLensError('BAD_ARGUMENT', `task name ${JSON.stringify(task)} cannot be a column of the labels file`);
  if (sentence.trim() === '') throw new SentenceLensError('BAD_ARGUMENT', 'cannot label an empty sentence');
  const tasks = t.tasks.includes(task) ? t.tasks : [...t.tasks, task];
  const clean = label.trim();
  const i = t.rows.findIndex((r) => r.sentence === sentence);
  const rows = [...t.rows];
  if (i < 0) {
    if (clean) rows.push({ line: 0, sentence, labels: { [task]: clean } });
  } else {
    const labels = { ...rows[i]!.labels };
    if (clean) labels[task] = clean;
    else delete labels[task];
    if (Object.keys(labels).length === 0 && options.dropEmptyRow) rows.splice(i, 1);
    else rows[i] = { ...rows[i]!, labels };
  }
  return { ...t, tasks, rows };
}

/** Gives every sentence of `sentences` the same label (a selection on the sentence map). */
export function setLabels(t: LabelsTable, sentences: readonly string[], task: string, label: string): LabelsTable {
  return [...new Set(sentences)].reduce((acc, s) => setLabel(acc, s, task, label), t);
}

export interface LabelsUpdate {
  readonly before: LabelsTable;
  readonly after: LabelsTable;
  /** SHA-256 of the bytes now on disk (to tell our own writes from a person's in a watcher). */
  readonly digest: string;
}

let tmpCounter = 0;

/**
 * Reads the file as it is now, applies `change`, and writes the result atomically when it
 * differs. A file that does not parse is reported (BAD_CSV with its line) and left untouched.
 */
export async function updateLabelsFile(path: string, change: (t: LabelsTable) => LabelsTable): Promise<LabelsUpdate> {
  const bytes = await readBytes(path);
  const before = bytes ? parseLabels(path, bytes) : EMPTY_LABELS;
  const after = change(before);
  const text = serializeLabels(after);
  if (bytes && Buffer.from(bytes).equals(Buffer.from(text))) return { before, after, digest: digestOf(bytes) };
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.labels-${process.pid}-${++tmpCounter}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new SentenceLensError('MISSING_FILE', `${path}: cannot write the labels file (${(e as Error).message})`);
  }
  return { before, after, digest: digestOf(Buffer.from(text)) };
}

export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of the file's bytes, '' when it does not exist. */
export async function labelsFileDigest(path: string): Promise<string> {
  const bytes = await readBytes(path);
  return bytes ? digestOf(bytes) : '';
}
