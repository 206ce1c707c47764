/** The delimiters a training CSV may use; anything else is not guessed. */
export type Delimiter = ',' | ';' | '\t';

const CANDIDATES: Delimiter[] = [',', ';', '\t'];

/**
 * Picks the delimiter from the header record, counting only characters outside quotes so a
 * quoted header such as "text, cleaned" does not vote. Data rows are not consulted: free
 * text is full of commas and semicolons, headers rarely are. Ties and no candidate at all
 * fall back to comma, the RFC 4180 default.
 */
export function detectDelimiter(text: string): Delimiter {
  const counts = new Map<Delimiter, number>(CANDIDATES.map((d) => [d, 0]));
  let inQuotes = false;
  let seenContent = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      inQuotes = !inQuotes;
      seenContent = true;
      continue;
    }
    if (inQuotes) continue;
    if (c === '\n' || c === '\r') {
      // Leading blank lines are skipped by the parser too, so keep looking for the header.
      if (seenContent) break;
      continue;
    }
    seenContent = true;
    if (counts.has(c as Delimiter)) counts.set(c as Delimiter, counts.get(c as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  let bestCount = 0;
  let tied = false;
  for (const d of CANDIDATES) {
    const n = counts.get(d)!;
    if (n > bestCount) {
      best = d;
      bestCount = n;
      tied = false;
    } else if (n === bestCount && n > 0) tied = true;
  }
  return tied ? ',' : best;
}
