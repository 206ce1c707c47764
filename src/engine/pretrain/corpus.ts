/**
 * Unlabelled text for pretraining: `.txt`/`.md` files (or folders of them) and CSV columns,
 * cut into examples by line or by sentence, each remembering where it came from so an error
 * or a warning can name the file and line.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { detectDelimiter } from '../data/delimiter.js';
import { decodeUtf8 } from '../data/utf8.js';
import { LineIndex } from '../data/lines.js';
import { SentenceLensError } from '../errors.js';

export interface CorpusText {
  readonly text: string;
  readonly file: string;
  /** 1-based line where the text starts. */
  readonly line: number;
}

export type CorpusUnit = 'line' | 'sentence';

export interface CorpusOptions {
  /** `line` (default): each non-empty line is an example; `sentence`: Intl.Segmenter sentences of each paragraph. */
  readonly unit?: CorpusUnit;
  /** For `.csv`/`.tsv` sources: the column holding the text (default: the first of text/sentence). */
  readonly csvColumn?: string;
  /** Files whose absolute paths match are never read (e.g. a held-out set). */
  readonly exclude?: (path: string) => boolean;
}

export const TEXT_EXTENSIONS = new Set(['.txt', '.md', '.markdown', '.text']);
const CSV_EXTENSIONS = new Set(['.csv', '.tsv']);

/** Every file a source names: itself, or for a folder the text and CSV files below it, sorted. */
export async function corpusFiles(sources: readonly string[], exclude?: (path: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const src of sources) {
    let info;
    try {
      info = await stat(src);
    } catch {
      throw new SentenceLensError('MISSING_FILE', `${src}: no such file or folder; expected .txt/.md files, a folder of them, or a CSV`);
    }
    if (info.isDirectory()) out.push(...(await walk(src)));
    else out.push(src);
  }
  const files = out.filter((f) => !exclude?.(f));
  if (files.length === 0) throw new SentenceLensError('BAD_ARGUMENT', `no text files found in ${sources.join(', ')}; expected .txt, .md or .csv files`);
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (TEXT_EXTENSIONS.has(extname(e.name).toLowerCase()) || CSV_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

async function readText(path: string): Promise<string> {
  const bytes = await readFile(path);
  const decoded = decodeUtf8(bytes);
  if ('badOffset' in decoded) {
    const lines = new LineIndex(bytes);
    throw new SentenceLensError('BAD_CSV', `${path}:${lines.lineOf(decoded.badOffset)}:${lines.byteColumnOf(decoded.badOffset)}: invalid UTF-8; expected a UTF-8 text file`);
  }
  return decoded.text.replace(/^\ufeff/, '');
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Examples from one text file: lines, or sentences of each blank-line-separated paragraph. */
export function splitText(text: string, file: string, unit: CorpusUnit): CorpusText[] {
  const lines = text.split(/\r\n|\n|\r/);
  const out: CorpusText[] = [];
  if (unit === 'line') {
    lines.forEach((l, i) => {
      const t = l.trim();
      if (t) out.push({ text: t, file, line: i + 1 });
    });
    return out;
  }
  let para: string[] = [];
  let start = 0;
  const flush = () => {
    if (para.length === 0) return;
    for (const s of segmenter.segment(para.join(' '))) {
      const t = s.segment.trim();
      if (t) out.push({ text: t, file, line: start + 1 });
    }
    para = [];
  };
  lines.forEach((l, i) => {
    if (l.trim() === '') flush();
    else {
      if (para.length === 0) start = i;
      para.push(l.trim());
    }
  });
  flush();
  return out;
}

const CSV_TEXT_COLUMNS = ['text', 'sentence', 'sentences', 'content', 'body'];

/** The text column of a CSV, one example per row (line = the row's first line). */
export function csvTexts(text: string, file: string, column?: string): CorpusText[] {
  const delimiter = file.toLowerCase().endsWith('.tsv') ? '\t' : detectDelimiter(text);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (e) {
    throw new SentenceLensError('BAD_CSV', `${file}: ${(e as Error).message}`, { cause: e });
  }
  if (records.length === 0) throw new SentenceLensError('BAD_CSV', `${file}: the file is empty; expected a header row and rows of text`);
  const header = records[0]!.record.map((h) => h.trim());
  const index = column !== undefined
    ? header.findIndex((h) => h.toLowerCase() === column.toLowerCase())
    : header.findIndex((h) => CSV_TEXT_COLUMNS.includes(h.toLowerCase()));
  if (index < 0) {
    const wanted = column !== undefined ? `column '${column}'` : `a column named ${CSV_TEXT_COLUMNS.join(', ')}`;
    throw new SentenceLensError('BAD_CSV', `${file}:1: ${wanted} is not in the header (${header.map((h) => `'${h}'`).join(', ')}); name the text column with --column`);
  }
  const out: CorpusText[] = [];
  let line = records[0]!.info.lines + 1;
  for (const r of records.slice(1)) {
    const t = (r.record[index] ?? '').trim();
    if (t) out.push({ text: t, file, line });
    line = r.info.lines + 1;
  }
  return out;
}

/** Reads every source into examples, in source order. */
export async function readCorpus(sources: readonly string[], options: CorpusOptions = {}): Promise<CorpusText[]> {
  const out: CorpusText[] = [];
  for (const file of await corpusFiles(sources, options.exclude)) {
    const text = await readText(file);
    const ext = extname(file).toLowerCase();
    const texts = CSV_EXTENSIONS.has(ext) ? csvTexts(text, file, options.csvColumn) : splitText(text, file, options.unit ?? 'line');
    // One at a time: spreading a file's hundreds of thousands of lines would overflow the stack.
    for (const t of texts) out.push(t);
  }
  if (out.length === 0) throw new SentenceLensError('BAD_ARGUMENT', `${sources.join(', ')}: no text to pretrain on (every file is empty)`);
  return out;
}
