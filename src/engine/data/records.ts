import { CsvError, parse, type Options } from 'csv-parse/sync';
import { SentenceLensError } from '../errors.js';
import type { Delimiter } from './delimiter.js';
import type { LineIndex } from './lines.js';

/** One parsed record and the physical line it starts on, for messages users can act on. */
export interface RawRecord {
  line: number;
  fields: string[];
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Splits the file into records with csv-parse. Field counts are checked by the caller (so a
 * ragged row can be skipped rather than abort the parse); quoting errors cannot be skipped,
 * because after one the parser no longer knows where records begin.
 */
export function parseRecords(file: string, bytes: Uint8Array, delimiter: Delimiter, lines: LineIndex): RawRecord[] {
  const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b);
  // Byte offset where the last emitted record ended; csv-parse reports only ends, and its
  // line counter drifts on CRLF inside quotes, so starts come from these offsets.
  let lastEnd = hasBom ? UTF8_BOM.length : 0;
  try {
    const parseOptions: Options<RawRecord, string[]> = {
      delimiter,
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      // A stray quote inside an unquoted field ("5" screen") is common and unambiguous.
      relax_quotes: true,
      skip_empty_lines: true,
      on_record: (fields: string[], context): RawRecord => {
        const line = lines.lineOf(lines.skipLineBreaks(lastEnd));
        lastEnd = context.bytes;
        return { line, fields };
      },
    };
    // parse's typed overload insists on `columns`; these records are arrays mapped by on_record.
    return parse(bytes, parseOptions as unknown as Options) as unknown as RawRecord[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const start = lines.skipLineBreaks(lastEnd);
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
      const open = findUnclosedQuote(bytes, start, delimiter);
      if (open) {
        const line = lines.lineOf(open.offset);
        throw new SentenceLensError(
          'BAD_CSV',
          `${file}:${line}:${open.field}: the quote that opens field ${open.field} of the record starting on line ` +
            `${lines.lineOf(start)} is never closed; expected a closing quote (") before the end of the file ` +
            `(a quote inside a quoted field is written twice: "")`,
          { cause: error },
        );
      }
    }
    throw new SentenceLensError(
      'BAD_CSV',
      `${file}:${lines.lineOf(start)}: cannot parse the record starting here (${error.message}); expected RFC 4180 CSV`,
      { cause: error },
    );
  }
}

/**
 * Replays quoting from the start of the failing record to find the quote left open; the
 * parser's error only says it reached the end of the file inside quotes.
 */
function findUnclosedQuote(bytes: Uint8Array, start: number, delimiter: string): { offset: number; field: number } | undefined {
  const text = new TextDecoder().decode(bytes.subarray(start));
  let field = 1;
  let atFieldStart = true;
  let open: { index: number; field: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (open) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else open = undefined;
      }
      continue;
    }
    if (c === '"' && atFieldStart) {
      open = { index: i, field };
      continue;
    }
    atFieldStart = false;
    if (c === delimiter) {
      field++;
      atFieldStart = true;
    } else if (c === '\n' || c === '\r') {
      field = 1;
      atFieldStart = true;
    }
  }
  if (!open) return undefined;
  return { offset: start + Buffer.byteLength(text.slice(0, open.index)), field: open.field };
}
