/**
 * The comments of source code, as prose blocks (setting sentenceLens.annotateComments). Pure: no
 * vscode import.
 *
 * Written by hand because VS Code does not give extensions a language's tokens or comment syntax,
 * and a grammar engine (vscode-textmate, oniguruma and every language's grammar) would weigh more
 * than the rest of the extension. The scanner knows each family's comment markers and string
 * quotes (so a `//` inside a string is not a comment); a run of line comments is one block.
 */
import type { ProseBlock, ProsePiece } from './prose.js';

interface Syntax {
  readonly line: readonly string[];
  readonly block: readonly (readonly [string, string])[];
  readonly quotes: readonly string[];
}

const C_LIKE: Syntax = { line: ['//'], block: [['/*', '*/']], quotes: ['"', "'", '`'] };
const HASH: Syntax = { line: ['#'], block: [], quotes: ['"', "'"] };
const DASH: Syntax = { line: ['--'], block: [], quotes: ['"', "'"] };
const MARKUP: Syntax = { line: [], block: [['<!--', '-->']], quotes: [] };

const SYNTAX: Readonly<Record<string, Syntax>> = {
  ...Object.fromEntries(
    ['c', 'cpp', 'csharp', 'java', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'go', 'rust', 'swift', 'kotlin', 'scala', 'php', 'dart', 'jsonc', 'groovy', 'objective-c', 'objective-cpp'].map((l) => [l, C_LIKE]),
  ),
  ...Object.fromEntries(['css', 'scss', 'less'].map((l) => [l, { line: l === 'css' ? [] : ['//'], block: [['/*', '*/']], quotes: ['"', "'"] } satisfies Syntax])),
  ...Object.fromEntries(['python', 'shellscript', 'ruby', 'perl', 'r', 'yaml', 'toml', 'dockerfile', 'makefile', 'powershell', 'coffeescript', 'julia', 'elixir', 'properties'].map((l) => [l, HASH])),
  ...Object.fromEntries(['sql', 'lua', 'haskell'].map((l) => [l, DASH])),
  ...Object.fromEntries(['html', 'xml', 'vue-html'].map((l) => [l, MARKUP])),
};

export function hasCommentSyntax(languageId: string): boolean {
  return languageId in SYNTAX;
}

/** Decoration characters at the start of a comment line: `*` of a block comment, `/`, `#`, `!`, `-`. */
const LEADER = /^[\s*/#!-]*/;

export function commentProse(text: string, languageId: string): ProseBlock[] {
  const syntax = SYNTAX[languageId];
  if (!syntax) return [];
  const blocks: ProseBlock[] = [];
  let run: ProsePiece[] = [];
  let runEndLine = -2;
  const flush = (): void => {
    if (run.length > 0) blocks.push({ pieces: run });
    run = [];
  };
  let line = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
      continue;
    }
    if (syntax.quotes.includes(ch)) {
      i = skipString(text, i, ch);
      continue;
    }
    const lineMarker = syntax.line.find((m) => text.startsWith(m, i));
    if (lineMarker) {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? text.length : nl;
      // Line comments on consecutive lines, alone on their lines, read as one paragraph.
      if (runEndLine !== line - 1 || !onlyCommentOnLine(text, i)) flush();
      pushPiece(run, text, i + lineMarker.length, end);
      runEndLine = line;
      i = end;
      continue;
    }
    const blockMarker = syntax.block.find(([open]) => text.startsWith(open, i));
    if (blockMarker) {
      flush();
      const close = text.indexOf(blockMarker[1], i + blockMarker[0].length);
      const end = close < 0 ? text.length : close;
      let s = i + blockMarker[0].length;
      while (s < end) {
        const nl = text.indexOf('\n', s);
        const e = nl < 0 || nl > end ? end : nl;
        pushPiece(run, text, s, e);
        if (e === end) break;
        line++;
        s = e + 1;
      }
      flush();
      i = close < 0 ? text.length : close + blockMarker[1].length;
      continue;
    }
    i++;
  }
  flush();
  return blocks;
}

function onlyCommentOnLine(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return text.slice(lineStart, at).trim() === '';
}

function pushPiece(out: ProsePiece[], text: string, start: number, end: number): void {
  const s = start + (LEADER.exec(text.slice(start, end))?.[0].length ?? 0);
  let e = end;
  if (e > s && text[e - 1] === '\r') e--;
  while (e > s && /\s/.test(text[e - 1]!)) e--;
  if (e > s) out.push({ start: s, text: text.slice(s, e) });
}

/** The offset just past the string literal opened at `at` (escapes honoured; ` strings may span lines). */
function skipString(text: string, at: number, quote: string): number {
  let i = at + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') i += 2;
    else if (ch === quote) return i + 1;
    else if (ch === '\n' && quote !== '`') return i;
    else i++;
  }
  return i;
}
