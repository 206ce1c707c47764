import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { mapReportScript } from '../../bundled-files.js';
import { SentenceLensError } from '../../engine/errors.js';
import { SentenceModel } from '../../engine/inference.js';
import { buildSentenceMap, type MapSource } from '../../engine/map/build-map.js';
import { readMapCsv } from '../../engine/map/csv-source.js';
import { defaultTask, disagreements, type SentenceMapData } from '../../engine/map/map-data.js';
import { documentSentences } from '../../text/sentences.js';
import { DARK, LIGHT } from '../../webview/map/themes.js';
import type { CliIo, Command } from '../command.js';
import { renderMapSvg, svgToPng } from '../map/image.js';
import { reportHtml } from '../map/report-html.js';
import { progressReporter } from '../progress.js';
import { deviceOption, modelHelp, modelOptions, modelOrOffline, positiveInt } from '../shared-options.js';

export const mapCommand: Command = {
  name: 'map',
  summary: "draw a document's or a CSV's sentences as a map (embeddings projected to 2-D) into a PNG or a self-contained HTML file",
  usage: 'sentence-lens map FILE --out map.png|map.html [--task NAME] [--seed N] [--model M] [--device D]',
  help: `  --out PATH           map.png (a picture) or map.html (interactive: zoom, pan, hover, search; one file, works offline)
  --task NAME          the task whose labels colour the points (default: one the CSV has labels for, else the first)
  --seed N             projection seed; the same seed and sentences give the same picture (default 42)
  --text-column C      a CSV's column holding the sentences (default: guessed)
  --theme light|dark   colours of the picture (default light)
  --width N            picture width in pixels (default 1200)
  --height N           picture height in pixels (default 800)
${modelHelp}
FILE is a CSV (its text column; label columns named like the model's tasks give gold labels and
disagreements, read as "sentence-lens eval" reads them) or a text file, split into sentences as
Annotate Document splits them (a .md file is read as Markdown: no code, tables, front matter or
headings). Prints a JSON summary: points, method, disagreements, timings.`,
  options: {
    ...modelOptions,
    out: { type: 'string' }, task: { type: 'string' }, seed: { type: 'string' }, 'text-column': { type: 'string' },
    theme: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' },
  },
  async run(values, positionals, io) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new SentenceLensError('BAD_ARGUMENT', 'expected exactly one FILE to map (a CSV or a text file)');
    const out = values['out'];
    if (typeof out !== 'string' || !/\.(png|html?)$/i.test(out)) throw new SentenceLensError('BAD_ARGUMENT', `--out expects a path ending in .png or .html, got "${String(out ?? '')}"`);
    const theme = values['theme'] ?? 'light';
    if (theme !== 'light' && theme !== 'dark') throw new SentenceLensError('BAD_ARGUMENT', `--theme expects light or dark, got "${String(theme)}"`);
    const seed = values['seed'] === undefined ? undefined : Number(values['seed']);
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new SentenceLensError('BAD_ARGUMENT', `--seed expects a whole number ≥ 0, got "${String(values['seed'])}"`);
    const size = { width: positiveInt(values, 'width') ?? 1200, height: positiveInt(values, 'height') ?? 800 };

    const model = await SentenceModel.load(modelOrOffline(values), {
      device: deviceOption(values), maxLength: positiveInt(values, 'max-length'), batchSize: positiveInt(values, 'batch-size'), signal: io.signal,
    });
    try {
      const source = await readSource(file, model, values['text-column']);
      const data = await buildWithProgress(model, source, seed, io);
      const task = chooseTask(data, values['task']);
      const t0 = performance.now();
      const colours = theme === 'dark' ? DARK : LIGHT;
      const title = `Sentence map of ${basename(file)}`;
      const bytes = /\.png$/i.test(out)
        ? await svgToPng(renderMapSvg(data, task, colours, size), size, 'Liberation Sans')
        : reportHtml(data, { title, task, theme: colours, script: await readFile(mapReportScript(), 'utf8') });
      await writeAtomically(out, bytes);
      const drawMs = performance.now() - t0;
      const summary = {
        out, points: data.texts.length, read: isCsv(file) ? 'csv' : languageOf(file), method: data.method, params: data.params, task,
        disagreements: Object.fromEntries(data.tasks.filter((t) => data.values[t.name]?.gold).map((t) => [t.name, disagreements(data, t.name).length])),
        notes: data.notes,
        timings: { embedMs: Math.round(data.timings.embedMs), projectMs: Math.round(data.timings.projectMs), drawMs: Math.round(drawMs) },
      };
      io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } finally {
      await model.release();
    }
  },
};

async function readSource(file: string, model: SentenceModel, textColumn: unknown): Promise<MapSource> {
  if (isCsv(file)) return readMapCsv(file, model.tasks, { textColumn: typeof textColumn === 'string' ? textColumn : undefined });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SentenceLensError(code === 'ENOENT' ? 'MISSING_FILE' : 'BAD_ARGUMENT', `${file}: cannot read the file (${code ?? String(e)}); expected a text file or a CSV`);
  }
  // Read as Annotate Document reads the same file in the editor: Markdown as Markdown.
  const sentences = documentSentences(text, languageOf(file));
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  let line = 0;
  const lines = sentences.map((s) => {
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= s.start) line++;
    return line + 1;
  });
  return { texts: sentences.map((s) => s.text), lines };
}

function isCsv(file: string): boolean {
  return extname(file).toLowerCase() === '.csv';
}

/** The language a file is read as: Markdown by its extension, anything else as plain text. */
export function languageOf(file: string): 'markdown' | 'plaintext' {
  return MARKDOWN_EXTENSIONS.includes(extname(file).toLowerCase()) ? 'markdown' : 'plaintext';
}

/** The file extensions VS Code gives the markdown language (its markdown-basics extension). */
const MARKDOWN_EXTENSIONS = ['.md', '.mkd', '.mdwn', '.mdown', '.markdown', '.markdn', '.mdtxt', '.mdtext', '.workbook'];

async function buildWithProgress(model: SentenceModel, source: MapSource, seed: number | undefined, io: CliIo): Promise<SentenceMapData> {
  const bars = { embed: progressReporter(io.stderr, 'embedding'), project: progressReporter(io.stderr, 'projecting') };
  try {
    return await buildSentenceMap(model, source, { seed, signal: io.signal, onProgress: (phase, done, total) => bars[phase].update(done, total) });
  } finally {
    bars.embed.stop();
    bars.project.stop();
  }
}

function chooseTask(data: SentenceMapData, wanted: unknown): string {
  if (wanted === undefined) return defaultTask(data) ?? '';
  if (!data.tasks.some((t) => t.name === wanted)) {
    throw new SentenceLensError('BAD_ARGUMENT', `--task ${String(wanted)}: the model has no such task; its tasks are ${data.tasks.map((t) => t.name).join(', ') || '(none)'}`);
  }
  return wanted as string;
}

async function writeAtomically(path: string, bytes: string | Buffer): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw new SentenceLensError('BAD_ARGUMENT', `${path}: cannot write the map (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
}
