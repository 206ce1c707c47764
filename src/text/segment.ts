/**
 * Sentence boundaries as people write them. Pure: no vscode import.
 *
 * ICU's sentence breaks (Intl.Segmenter) handle every script, quotes, brackets, ellipses,
 * decimals and lower-case continuations, but not abbreviations: ICU knows them only through its
 * "ss" suppressions (locale `en-u-ss-standard`), which V8's Intl.Segmenter ignores (checked on
 * Node 20.20 / ICU 78: "Dr. Smith" and "J. R. R. Tolkien" still break). So a break that ICU puts
 * after a full stop is kept only when `sentence-splitter` (textlint's maintained splitter, with
 * abbreviation and initials handling) also breaks there. Breaks after ? ! 。 … and after a closing
 * quote or bracket are ICU's alone. (`sbd` was tried too: it joins short sentences such as
 * "I saw Bob. He left.", taking "Bob." for a name abbreviation.) Offsets are UTF-16 code units.
 */
import { split } from 'sentence-splitter';

export interface Segment {
  /** The segment with its trailing whitespace, as Intl.Segmenter returns it. */
  readonly segment: string;
  readonly index: number;
}

const segmenters = new Map<string, Intl.Segmenter>();

function segmenter(locale: string | undefined): Intl.Segmenter {
  const k = locale ?? '';
  let s = segmenters.get(k);
  if (!s) {
    s = new Intl.Segmenter(locale, { granularity: 'sentence' });
    segmenters.set(k, s);
  }
  return s;
}

/** Characters segmented at once; see `icuSegments`. */
export const WINDOW = 4096;

/**
 * ICU segments of one line. Intl.Segmenter's iteration costs grow with the length of the string
 * (V8: ~270 ms for a 135 k character line of 2,000 sentences, 8 ms for the same text as lines),
 * so a long line is fed in windows, where the last segment of a window, possibly cut, is
 * segmented again from its start in the next one.
 */
function* icuSegments(line: string, locale: string | undefined, window: number): Generator<Segment> {
  const seg = segmenter(locale);
  let p = 0;
  let win = window;
  while (p < line.length) {
    const end = Math.min(line.length, p + win);
    const parts = [...seg.segment(line.slice(p, end))];
    if (end < line.length) {
      if (parts.length <= 1) {
        win *= 2; // one sentence longer than the window: look further
        continue;
      }
      const last = parts.pop()!;
      for (const s of parts) yield { segment: s.segment, index: p + s.index };
      p += last.index;
      win = window;
    } else {
      for (const s of parts) yield { segment: s.segment, index: p + s.index };
      p = end;
    }
  }
}

/** Context the splitter gets on each side of a break: the words around it, not the whole line. */
const CONTEXT = 32;

/** sentence-splitter's answers by context; cleared when full (a few MB at most). */
const decisions = new Map<string, boolean>();
const DECISIONS_MAX = 50_000;

/** True when the break between `before` and `after` follows a full stop on the same line. */
function endsWithFullStop(before: string): boolean {
  const trimmed = before.trimEnd();
  return trimmed.endsWith('.') && !/[\n\r\u2028\u2029]/.test(before.slice(trimmed.length));
}

/**
 * Does sentence-splitter break `before + after` between the two (in the whitespace after the full
 * stop)? Answers are cached by their context: auto-annotation re-reads the whole document after
 * each edit, and all but the edited sentence's breaks are the same questions again.
 */
function splitterBreaksBetween(before: string, after: string): boolean {
  const left = before.slice(Math.max(0, before.length - CONTEXT));
  const text = left + after.slice(0, CONTEXT);
  const key = `${left.length}:${text}`;
  const known = decisions.get(key);
  if (known !== undefined) return known;
  const stop = left.trimEnd().length;
  let breaks = false;
  for (const node of split(text)) {
    if (node.type === 'Sentence' && node.range[0] >= stop && node.range[0] <= left.length) breaks = true;
  }
  if (decisions.size >= DECISIONS_MAX) decisions.clear();
  decisions.set(key, breaks);
  return breaks;
}

function* mergedLine(line: string, locale: string | undefined, window: number): Generator<Segment> {
  let pending: Segment | undefined;
  for (const s of icuSegments(line, locale, window)) {
    if (pending && endsWithFullStop(pending.segment) && !splitterBreaksBetween(pending.segment, s.segment)) {
      pending = { segment: pending.segment + s.segment, index: pending.index };
      continue;
    }
    if (pending) yield pending;
    pending = s;
  }
  if (pending) yield pending;
}

/**
 * Sentence segments of `text` (each with its trailing whitespace, like Intl.Segmenter's): ICU's
 * breaks, less those after a full stop that sentence-splitter does not make (abbreviations,
 * initials). A line break is always a break (ICU rule SB4), so lines are segmented one by one.
 * Lazy all the way down, so that the prose worker can stop between two sentences of a long line.
 */
export function* sentenceSegments(text: string, locale?: string, window = WINDOW, abbreviations = true): Generator<Segment> {
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, lineEnd);
    // abbreviations = false: ICU's breaks alone (the benchmark's baseline).
    for (const s of abbreviations ? mergedLine(line, locale, window) : icuSegments(line, locale, window)) yield { segment: s.segment, index: pos + s.index };
    pos = lineEnd;
  }
}
