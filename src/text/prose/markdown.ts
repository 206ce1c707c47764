/**
 * The prose of a Markdown document, read with a CommonMark + GFM parser (mdast-util-from-markdown
 * over micromark, with GFM and front-matter extensions), which gives every node its source
 * offsets. Paragraphs (in lists, block quotes and footnotes too) are prose; headings only when
 * asked. Code blocks, inline code, tables, front matter, HTML, link reference definitions, image
 * alt text and URLs are not; link text is. Pure: no vscode import.
 */
import type { Nodes, Parents, Text } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfm } from 'micromark-extension-gfm';
import type { ProseBlock, ProsePiece } from './prose.js';

export interface MarkdownProseOptions {
  /** Headings count as prose (each heading one block). */
  readonly headings?: boolean;
}

const FRONT_MATTER = ['yaml', 'toml'] as const;

export function parseMarkdown(text: string): Nodes {
  return fromMarkdown(text, {
    extensions: [gfm(), frontmatter([...FRONT_MATTER])],
    mdastExtensions: [gfmFromMarkdown(), frontmatterFromMarkdown([...FRONT_MATTER])],
  });
}

/** Blocks whose children are more blocks: walked into, never prose themselves. */
const CONTAINERS = new Set(['root', 'blockquote', 'list', 'listItem', 'footnoteDefinition']);
/** Inline nodes whose text children are prose. */
const INLINE_WRAPPERS = new Set(['emphasis', 'strong', 'delete', 'linkReference']);

export function markdownProse(text: string, options: MarkdownProseOptions = {}): ProseBlock[] {
  const blocks: ProseBlock[] = [];
  const visit = (node: Nodes): void => {
    if (CONTAINERS.has(node.type)) {
      for (const child of (node as Parents).children) visit(child);
    } else if (node.type === 'paragraph' || (node.type === 'heading' && options.headings)) {
      const pieces: ProsePiece[] = [];
      collectInline(node, text, pieces);
      if (pieces.length > 0) blocks.push({ pieces });
    }
    // Everything else (code, html, tables, front matter, definitions, thematic breaks) is not prose.
  };
  visit(parseMarkdown(text));
  return blocks;
}

function collectInline(node: Parents, text: string, out: ProsePiece[]): void {
  for (const child of node.children) {
    if (child.type === 'text') textPieces(child, text, out);
    else if (child.type === 'link') {
      // A bare or <angle> autolink's text is its URL: not prose.
      const only = child.children.length === 1 && child.children[0]!.type === 'text' ? (child.children[0] as Text).value : undefined;
      if (only !== undefined && (only === child.url || `mailto:${only}` === child.url || child.url.endsWith(`//${only}`))) continue;
      collectInline(child, text, out);
    } else if (INLINE_WRAPPERS.has(child.type)) collectInline(child as Parents, text, out);
    // inlineCode, html, image, imageReference, footnoteReference, break: not prose.
  }
}

/**
 * A text node as pieces of the source. Its value is the source less the container markers of
 * continuation lines ("> ", list indentation) and with escapes and entities decoded; the pieces
 * keep the source's characters (so an annotation's range is exactly its text) and leave the
 * markers out.
 */
function textPieces(node: Text, text: string, out: ProsePiece[]): void {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined) return;
  let lineStart = start;
  let first = true;
  while (lineStart <= end) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd: number = nl < 0 || nl > end ? end : nl;
    let s = lineStart;
    if (!first) while (s < lineEnd && (text[s] === ' ' || text[s] === '\t' || text[s] === '>')) s++;
    let e = lineEnd;
    if (e > s && text[e - 1] === '\r') e--;
    if (e > s) out.push({ start: s, text: text.slice(s, e) });
    first = false;
    if (lineEnd === end) break;
    lineStart = lineEnd + 1;
  }
}
