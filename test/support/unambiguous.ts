/**
 * Sentences whose topic and sentiment no reader would dispute, each with its labels: the
 * bundled offline model must get them right through the CLI, the model server and the editor.
 * Each topic appears twice and each sentiment three times, so a head read in the wrong order
 * or a swapped label list gets some of them wrong. Chosen to be easy (models/offline has seen
 * only 555 short sentences): if a rebuilt offline model misses one, it is the model that is
 * worse, not the sentence that is hard.
 */
export const UNAMBIGUOUS: readonly { readonly text: string; readonly topic: string; readonly sentiment: string }[] = [
  { text: 'The soup was cold and bland.', topic: 'food', sentiment: 'negative' },
  { text: 'I love fresh bread.', topic: 'food', sentiment: 'positive' },
  { text: 'What a wonderful goal!', topic: 'sports', sentiment: 'positive' },
  { text: 'We lost the match badly.', topic: 'sports', sentiment: 'negative' },
  { text: 'I loved reading this wonderful novel.', topic: 'reading', sentiment: 'positive' },
  { text: 'This book was boring and badly written.', topic: 'reading', sentiment: 'negative' },
];

/** Each sentence's expected labels, and what came back, in one string per sentence for a readable diff. */
export function labelsOf(results: readonly { readonly tasks: Readonly<Record<string, { readonly label: string }>> }[]): string[] {
  return results.map((r, i) => `${UNAMBIGUOUS[i]!.text} → ${r.tasks['topic']?.label} · ${r.tasks['sentiment']?.label}`);
}

export const EXPECTED_LABELS: readonly string[] = UNAMBIGUOUS.map((s) => `${s.text} → ${s.topic} · ${s.sentiment}`);
