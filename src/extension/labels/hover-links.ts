/**
 * The "Label as…" part of an annotation's hover: a command link per task, and the label the
 * person already gave. Pure: builds Markdown; the caller trusts only LABEL_AS in it.
 */
export const LABEL_AS = 'sentenceLens.labelAs';

/** What a "Label as…" link or code action passes to the command. */
export interface LabelTarget {
  readonly uri: string;
  readonly start: number;
  readonly end: number;
  /** Absent: the quick pick offers every task. */
  readonly task?: string;
}

export function isLabelTarget(v: unknown): v is LabelTarget {
  const o = v as Partial<LabelTarget> | null;
  return !!o && typeof o === 'object' && typeof o.uri === 'string' && Number.isInteger(o.start) && Number.isInteger(o.end) && (o.task === undefined || typeof o.task === 'string');
}

export function commandLink(text: string, command: string, args: unknown, title: string): string {
  return `[${text}](command:${command}?${encodeURIComponent(JSON.stringify([args]))} "${title.replace(/"/g, "'")}")`;
}

/** `$(tag) Label topic as… · Label sentiment as…`, with "your label: x" beside a task the person labelled. */
export function labelLinksMarkdown(target: Omit<LabelTarget, 'task'>, tasks: readonly string[], given: Readonly<Record<string, string>> = {}): string {
  const links = tasks.map((task) => {
    const link = commandLink(`Label ${escape(task)} as…`, LABEL_AS, { ...target, task }, `Correct the ${task} label of this sentence`);
    return given[task] ? `${link} (your label: **${escape(given[task]!)}**)` : link;
  });
  return `$(tag) ${links.join(' · ')}`;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (ch) => `\\${ch}`);
}
