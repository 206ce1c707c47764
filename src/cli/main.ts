#!/usr/bin/env node
/** `sentence-lens`: the command line over the same engine the extension uses. */
import { parseArgs } from 'node:util';
import { SentenceLensError } from '../engine/errors.js';
import type { CliIo, Command } from './command.js';
import { classifyCommand } from './commands/classify.js';
import { downloadCommand } from './commands/download.js';
import { embedCommand } from './commands/embed.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { mapCommand } from './commands/map.js';
import { pretrainCommand } from './commands/pretrain.js';
import { trainCommand } from './commands/train.js';
import { vocabCommand } from './commands/vocab.js';

const commands: Command[] = [embedCommand, classifyCommand, trainCommand, evalCommand, downloadCommand, exportCommand, mapCommand, pretrainCommand, vocabCommand];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: sentence-lens <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "sentence-lens <command> --help" for a command's options. --debug prints stack traces.
`;
}

function commandHelp(c: Command): string {
  return `Usage: ${c.usage}\n\n${c.summary}\n\nOptions:\n${c.help}\n  --debug              print stack traces on errors\n  -h, --help           show this help\n`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(overview());
    return name ? 0 : 1;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`sentence-lens: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  const debug = rest.includes('--debug');
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    await command.run(values as Record<string, unknown>, positionals, io);
    return 0;
  } catch (e) {
    const known = e instanceof SentenceLensError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.stderr.write(`sentence-lens ${name}: ${(e as Error).message}\n`);
    if (debug) io.stderr.write(`${(e as Error).stack ?? ''}\n`);
    else if (!known) io.stderr.write('(an unexpected error: run again with --debug for the stack trace)\n');
    return e instanceof SentenceLensError && e.code === 'CANCELLED' ? 130 : known ? 1 : 70;
  }
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: controller.signal });
process.exitCode = code;
