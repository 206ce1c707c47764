/**
 * Sentence pairs for the contrastive objective: a CSV whose header names the two texts of
 * each pair (`sentence,paraphrase`, or `anchor,positive`), one pair per row. A row whose two
 * texts are the same trains as unsupervised SimCSE: the sentence is encoded twice, under two
 * different dropout masks, and the two encodings must find each other. Parsed with the same
 * reader as training CSVs (csv-parse), so quoting, BOMs, delimiters and line numbers behave
 * the same, and every bad row is reported with its file and line.
 */
import { readFile } from 'node:fs/promises';
import { SentenceLensError } from '../errors.js';
import type { CsvIssue } from './csv.js';
import type { Encoder } from './dataset.js';
import { detectDelimiter } from './delimiter.js';
import { LineIndex } from './lines.js';
import { parseRecords } from './records.js';
import { decodeUtf8 } from './utf8.js';

/** Header names accepted for the two columns, in pairs: the first of each pair is the anchor. */
export const PAIR_HEADERS: readonly (readonly [string, string])[] = [
  ['sentence', 'paraphrase'],
  ['anchor', 'positive'],
  ['sentence1', 'sentence2'],
  ['text1', 'text2'],
];

export interface PairExample {
  /** 1-based line of the row in its file. */
  readonly line: number;
  /** Token ids (with the special tokens) of the anchor and of its positive. */
  readonly anchor: readonly number[];
  readonly positive: readonly number[];
}

export interface PairSet {
  readonly path: string;
  readonly pairs: PairExample[];
  readonly skipped: CsvIssue[];
}

function bad(message: string): never {
  throw new SentenceLensError('BAD_CSV', message);
}

/** The anchor and positive column indices from the header, or an error naming what is accepted. */
function pairColumns(path: string, line: number, header: readonly string[]): [number, number] {
  const lower = header.map((h) => h.trim().toLowerCase());
  for (const [a, p] of PAIR_HEADERS) {
    const i = lower.indexOf(a);
    const j = lower.indexOf(p);
    if (i >= 0 && j >= 0) return [i, j];
  }
  return bad(`${path}:${line}: the header (${header.join(', ')}) names no pair of columns; expected ${PAIR_HEADERS.map(([a, p]) => `${a},${p}`).join(' or ')}`);
}

/**
 * Reads and tokenizes a pairs CSV. With onBadRow 'skip', rows with a missing text or the wrong
 * number of fields are listed in `skipped`; with 'error' (default) the first one is thrown.
 */
export async function readPairsCsv(path: string, tokenizer: Encoder, maxLength: number, onBadRow: 'error' | 'skip' = 'error'): Promise<PairSet> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    return bad(`${path}: cannot read the pairs file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const lines = new LineIndex(bytes);
  const decoded = decodeUtf8(bytes);
  if ('badOffset' in decoded) bad(`${path}:${lines.lineOf(decoded.badOffset)}: invalid UTF-8; expected a UTF-8 file`);
  if (decoded.text.replace(/^\ufeff/, '').trim() === '') bad(`${path}: the file is empty; expected a header (sentence,paraphrase) and one pair per row`);
  const records = parseRecords(path, bytes, detectDelimiter(decoded.text), lines);
  const header = records[0]!;
  const [ai, pi] = pairColumns(path, header.line, header.fields);
  const texts: { line: number; anchor: string; positive: string }[] = [];
  const skipped: CsvIssue[] = [];
  for (const { line, fields } of records.slice(1)) {
    if (fields.every((f) => f.trim() === '')) continue;
    const anchor = fields[ai]?.trim() ?? '';
    const positive = fields[pi]?.trim() ?? '';
    const problem = fields.length !== header.fields.length
      ? `found ${fields.length} fields, expected ${header.fields.length} (${header.fields.join(', ')}); a field containing the delimiter must be quoted`
      : anchor === '' || positive === '' ? `the ${anchor === '' ? header.fields[ai] : header.fields[pi]} text is empty; each pair needs two texts` : undefined;
    if (!problem) texts.push({ line, anchor, positive });
    else if (onBadRow === 'skip') skipped.push({ line, message: `${path}:${line}: ${problem}` });
    else bad(`${path}:${line}: ${problem}`);
  }
  if (texts.length < 2) bad(`${path}: ${texts.length} usable pair${texts.length === 1 ? '' : 's'}; the ranking loss needs at least two (each pair's positive is a negative for the others)`);
  const anchors = tokenizer.encode(texts.map((t) => t.anchor), maxLength).ids;
  const positives = tokenizer.encode(texts.map((t) => t.positive), maxLength).ids;
  return { path, pairs: texts.map((t, i) => ({ line: t.line, anchor: anchors[i]!, positive: positives[i]! })), skipped };
}
