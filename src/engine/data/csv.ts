import { readFile, stat } from 'node:fs/promises';
import { SentenceLensError } from '../errors.js';
import { type ColumnMapping, mapColumns, unusedColumns } from './columns.js';
import { detectDelimiter, type Delimiter } from './delimiter.js';
import { labelIndex, validateVocab, vocabFromLabels } from './labels.js';
import { LineIndex } from './lines.js';
import { parseRecords, type RawRecord } from './records.js';
import { decodeUtf8 } from './utf8.js';

/**
 * Reads a training CSV into rows of text and label indices, checking everything a user can
 * get wrong and saying where. Every row either trains, or appears in `skipped` or an error;
 * rows that are kept but suspicious appear in `warnings`.
 */

/**
 * `column` is the 1-based field number for problems with a field, and the 1-based byte
 * column within the line for invalid UTF-8.
 */
export interface CsvIssue {
  line: number;
  column?: number;
  message: string;
}

export interface TrainingTask {
  name: string;
  column: string;
  /** Sorted, or the order of the fixed vocabulary; a label's position is its class index. */
  labels: string[];
}

export interface TrainingRow {
  /** 1-based physical line where the record starts. */
  line: number;
  text: string;
  /** Index into the task's labels; null when the row has no label for that task. */
  labels: Record<string, number | null>;
}

export interface TrainingCsv {
  path: string;
  delimiter: Delimiter;
  textColumn: string;
  tasks: TrainingTask[];
  rows: TrainingRow[];
  warnings: CsvIssue[];
  skipped: CsvIssue[];
}

export interface ReadTrainingCsvOptions {
  textColumn?: string;
  /** Task name → column. When given, exactly these tasks are read. */
  tasks?: Record<string, string>;
  /** Fixed vocabularies from a checkpoint being continued; other labels are errors. */
  labelVocab?: Record<string, string[]>;
  onBadRow?: 'error' | 'skip';
  /** Only for the truncation warning. */
  maxLength?: number;
  countTokens?: (text: string) => number;
}

/** Below this many distinct labels a task is plausible however few rows it has. */
const MANY_LABELS = 20;

/** A row as read, its labels still strings: a vocabulary from the data is sorted, so indices are known only at the end. */
interface KeptRow {
  line: number;
  text: string;
  /** By task, in mapping order; null when the row has no label for the task. */
  labels: (string | null)[];
}

type MappedTask = ColumnMapping['tasks'][number];

/** The parsed file: header, column mapping and the non-blank data records. */
interface CsvTable {
  path: string;
  delimiter: Delimiter;
  headerLine: number;
  header: string[];
  mapping: ColumnMapping;
  data: RawRecord[];
}

/**
 * Phases: decode (UTF-8, not empty), parse the table (header, column mapping, data rows), read
 * the rows (each kept, skipped or an error), build each task's vocabulary, then index the
 * labels and collect the warnings.
 */
export async function readTrainingCsv(path: string, options: ReadTrainingCsvOptions = {}): Promise<TrainingCsv> {
  checkOptions(options);
  const bytes = await readCsvFile(path);
  const lines = new LineIndex(bytes);
  const text = decodeOrThrow(path, bytes, lines);
  const table = parseTable(path, bytes, text, lines, options);
  const warnings = unusedColumnWarnings(table);
  const { kept, skipped } = readRows(table, fixedVocabularies(table.mapping, options.labelVocab), options.onBadRow ?? 'error');
  if (kept.length === 0) {
    throw new SentenceLensError(
      'BAD_CSV',
      `${path}: all ${table.data.length} data rows were skipped as bad (first on line ${skipped[0]?.line}); expected at least one usable row`,
    );
  }
  const tasks = table.mapping.tasks.map((task, t) => taskVocabulary(table, task, kept.map((r) => r.labels[t]!), options.labelVocab?.[task.name], warnings));
  const rows = indexLabels(kept, tasks);
  warnings.push(...rowWarnings(path, kept, table.mapping.text.index + 1, tasks, options));
  // Stable sort: issues on the same line keep the order they were found in.
  warnings.sort((a, b) => a.line - b.line);
  return { path, delimiter: table.delimiter, textColumn: table.mapping.text.column, tasks, rows, warnings, skipped };
}

/** The file's text, or an error at the first invalid UTF-8 byte or for an empty file. */
function decodeOrThrow(path: string, bytes: Uint8Array, lines: LineIndex): string {
  const decoded = decodeUtf8(bytes);
  if ('badOffset' in decoded) {
    const line = lines.lineOf(decoded.badOffset);
    const column = lines.byteColumnOf(decoded.badOffset);
    const byte = bytes[decoded.badOffset]!.toString(16).padStart(2, '0');
    throw new SentenceLensError(
      'BAD_CSV',
      `${path}:${line}:${column}: invalid UTF-8 (byte 0x${byte} at byte column ${column}); ` +
        `expected a UTF-8 file: re-save it as UTF-8 (for example, "Save with Encoding" in VS Code)`,
    );
  }
  if (decoded.text.replace(/^\ufeff/, '').trim() === '') {
    throw new SentenceLensError('BAD_CSV', `${path}: the file is empty; expected a header row (such as text,label) followed by data rows`);
  }
  return decoded.text;
}

/** Records, header and column mapping; an error when there is no data row below the header. */
function parseTable(path: string, bytes: Uint8Array, text: string, lines: LineIndex, options: ReadTrainingCsvOptions): CsvTable {
  const delimiter = detectDelimiter(text);
  const records = parseRecords(path, bytes, delimiter, lines);
  const headerRecord = records[0]!;
  const header = headerRecord.fields.map((h) => h.trim());
  checkHeader(path, headerRecord.line, header);
  const data = records.slice(1).filter((r) => !isBlankLine(r));
  if (data.length === 0) {
    throw new SentenceLensError(
      'BAD_CSV',
      `${path}:${headerRecord.line}: the file has a header (${header.join(', ')}) but no data rows; expected one row per sentence below the header`,
    );
  }
  const mapping = mapColumns(path, header, options, data.map((r) => r.fields));
  return { path, delimiter, headerLine: headerRecord.line, header, mapping, data };
}

function unusedColumnWarnings({ path, headerLine, header, mapping }: CsvTable): CsvIssue[] {
  return unusedColumns(header, mapping).map(({ column, index }) => {
    const excluded = mapping.excluded.find((e) => e.index === index);
    return {
      line: headerLine,
      column: index + 1,
      message: excluded
        ? `${path}:${headerLine}:${index + 1}: column '${column}' is not used as a task: it has ${excluded.reason}; map it with tasks to train on it anyway`
        : column === ''
          ? `${path}:${headerLine}:${index + 1}: column ${index + 1} has no header name and is not used; name it and map it with tasks to train on it`
          : `${path}:${headerLine}:${index + 1}: column '${column}' is not used; it is neither the text nor a task column`,
    };
  });
}

/** Label → index for the tasks whose vocabulary is fixed (a checkpoint being continued). */
function fixedVocabularies(mapping: ColumnMapping, labelVocab: ReadTrainingCsvOptions['labelVocab']): Map<string, Map<string, number>> {
  const fixed = new Map<string, Map<string, number>>();
  for (const task of mapping.tasks) {
    const vocab = labelVocab?.[task.name];
    if (vocab === undefined) continue;
    validateVocab(task.name, vocab);
    fixed.set(task.name, labelIndex(vocab));
  }
  return fixed;
}

const at = (path: string, line: number, column?: number): string => `${path}:${line}${column === undefined ? '' : `:${column}`}: `;

/** Every data record kept, or (onBadRow 'skip') skipped with its reason, or (onBadRow 'error') the first bad one thrown. */
function readRows(table: CsvTable, fixed: ReadonlyMap<string, ReadonlyMap<string, number>>, onBadRow: 'error' | 'skip'): { kept: KeptRow[]; skipped: CsvIssue[] } {
  const kept: KeptRow[] = [];
  const skipped: CsvIssue[] = [];
  for (const record of table.data) {
    const row = readRow(table, record, fixed);
    if (!('bad' in row)) kept.push(row);
    else if (onBadRow === 'skip') skipped.push(row.bad);
    else throw new SentenceLensError('BAD_CSV', row.bad.message);
  }
  return { kept, skipped };
}

/** One record as a row, or what is wrong with it (field count, empty text, a label outside a fixed vocabulary). */
function readRow({ path, header, mapping }: CsvTable, { line, fields }: RawRecord, fixed: ReadonlyMap<string, ReadonlyMap<string, number>>): KeptRow | { bad: CsvIssue } {
  if (fields.length !== header.length) {
    const column = fields.length < header.length ? fields.length + 1 : header.length + 1;
    const message =
      `${at(path, line, column)}found ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${header.length} ` +
      `(${header.join(', ')}); a field containing the delimiter or a line break must be quoted`;
    return { bad: { line, column, message } };
  }
  const textColumn = mapping.text.index + 1;
  // Line breaks inside quoted text are normalized so the same file saved on Windows and
  // on Linux yields the same sentences (and the same embedding cache keys).
  const text = fields[mapping.text.index]!.trim().replace(/\r\n?/g, '\n');
  if (text === '') {
    return { bad: { line, column: textColumn, message: `${at(path, line, textColumn)}empty text in column '${mapping.text.column}'; expected a sentence` } };
  }
  const labels: (string | null)[] = [];
  for (const task of mapping.tasks) {
    const label = fields[task.index]!.trim();
    const vocab = fixed.get(task.name);
    if (label !== '' && vocab && !vocab.has(label)) {
      const column = task.index + 1;
      const message =
        `${at(path, line, column)}unknown label '${label}' for task '${task.name}' in column '${task.column}'; ` +
        `expected one of the checkpoint's labels: ${[...vocab.keys()].map((l) => `'${l}'`).join(', ')}`;
      return { bad: { line, column, message } };
    }
    labels.push(label === '' ? null : label);
  }
  return { line, text, labels };
}

/**
 * A task's labels: the fixed vocabulary when given, else the sorted labels seen. Errors when the
 * data has no label or (without a fixed vocabulary) only one; warns (into `warnings`) about a
 * single label under a fixed vocabulary and about a column that looks like free text.
 */
function taskVocabulary(table: CsvTable, task: MappedTask, labels: readonly (string | null)[], vocab: string[] | undefined, warnings: CsvIssue[]): TrainingTask {
  const { path, headerLine } = table;
  const seen = vocabFromLabels(labels.filter((l): l is string => l !== null));
  const column = task.index + 1;
  const where = at(path, headerLine, column);
  if (seen.length === 0) {
    throw new SentenceLensError(
      'BAD_CSV',
      `${where}task '${task.name}' has no labels in ${path}: column '${task.column}' is empty on every row; ` +
        `expected at least two different labels`,
    );
  }
  if (vocab === undefined && seen.length === 1) {
    throw new SentenceLensError(
      'BAD_CSV',
      `${where}task '${task.name}' has only one label '${seen[0]}' in ${path}: a classifier needs at least two`,
    );
  }
  if (vocab !== undefined && seen.length === 1) {
    warnings.push({
      line: headerLine,
      column,
      message: `${where}task '${task.name}' has only one label '${seen[0]}' in the data; training will push every prediction towards it`,
    });
  }
  const labelled = labels.reduce((n, l) => n + (l === null ? 0 : 1), 0);
  // A guessed task over a free-text or id-like column (title, url, date) would get a
  // vocabulary as large as the data; that is almost never what the user meant.
  if (seen.length >= MANY_LABELS && seen.length > labelled / 2) {
    warnings.push({
      line: headerLine,
      column,
      message:
        `${where}task '${task.name}' has ${seen.length} different labels in ${labelled} labelled rows; ` +
        `if column '${task.column}' is not a label column, leave it out by mapping tasks explicitly`,
    });
  }
  return { name: task.name, column: task.column, labels: vocab ? [...vocab] : seen };
}

/** Rows with each label replaced by its index in the task's vocabulary. */
function indexLabels(kept: readonly KeptRow[], tasks: readonly TrainingTask[]): TrainingRow[] {
  const indices = tasks.map((t) => labelIndex(t.labels));
  return kept.map((r) => ({
    line: r.line,
    text: r.text,
    labels: Object.fromEntries(tasks.map((t, i) => [t.name, r.labels[i] === null ? null : indices[i]!.get(r.labels[i]!)!])),
  }));
}

function rowWarnings(
  path: string,
  kept: readonly KeptRow[],
  textColumn: number,
  tasks: TrainingTask[],
  options: ReadTrainingCsvOptions,
): CsvIssue[] {
  const warnings: CsvIssue[] = [];
  const byText = new Map<string, { line: number; labels: string }>();
  const taskNames = tasks.map((t) => t.name).join(', ');
  for (const row of kept) {
    const where = `${path}:${row.line}: `;
    if (row.labels.every((l) => l === null)) {
      warnings.push({ line: row.line, message: `${where}the row has no label for any task (${taskNames}); it trains nothing` });
    }
    const labels = JSON.stringify(row.labels);
    const first = byText.get(row.text);
    if (first === undefined) byText.set(row.text, { line: row.line, labels });
    else if (first.labels === labels) {
      warnings.push({
        line: row.line,
        message: `${where}duplicate row: line ${first.line} and line ${row.line} have the same text and labels; it will count twice in training`,
      });
    } else {
      warnings.push({
        line: row.line,
        message: `${where}line ${first.line} and line ${row.line} have the same text but different labels; the model cannot fit both`,
      });
    }
    if (options.countTokens && options.maxLength !== undefined) {
      const count = options.countTokens(row.text);
      if (count > options.maxLength) {
        warnings.push({
          line: row.line,
          column: textColumn,
          message: `${path}:${row.line}:${textColumn}: the text is ${count} tokens long; it will be truncated to ${options.maxLength} tokens`,
        });
      }
    }
  }
  return warnings;
}

async function readCsvFile(path: string): Promise<Uint8Array> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SentenceLensError('MISSING_FILE', `${path}: no such file; expected the path of a CSV file`, { cause: error });
    }
    throw new SentenceLensError('BAD_ARGUMENT', `${path}: cannot read the file (${code ?? String(error)}); expected a readable CSV file`, { cause: error });
  }
  if (isDirectory) {
    throw new SentenceLensError('BAD_ARGUMENT', `${path}: is a directory; expected a CSV file`);
  }
  return readFile(path);
}

function checkHeader(path: string, line: number, header: string[]): void {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') return;
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw new SentenceLensError(
        'BAD_CSV',
        `${path}:${line}:${i + 1}: duplicate column name '${name}' (also column ${first + 1}); expected each header name once`,
      );
    }
    seen.set(key, i);
  });
}

/** A line of spaces parses as one blank field; it holds no data, like an empty line. */
function isBlankLine(record: RawRecord): boolean {
  return record.fields.length === 1 && record.fields[0]!.trim() === '';
}

function checkOptions(options: ReadTrainingCsvOptions): void {
  if (options.onBadRow !== undefined && options.onBadRow !== 'error' && options.onBadRow !== 'skip') {
    throw new SentenceLensError('BAD_ARGUMENT', `onBadRow is '${String(options.onBadRow)}'; expected 'error' or 'skip'`);
  }
  if (options.maxLength !== undefined && !(Number.isInteger(options.maxLength) && options.maxLength > 0)) {
    throw new SentenceLensError('BAD_ARGUMENT', `maxLength is ${options.maxLength}; expected a positive integer`);
  }
}
