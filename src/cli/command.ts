/** The shape every `sentence-lens` sub-command has, so main.ts can list, parse and run them. */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly signal: AbortSignal;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Option help lines, shown by --help. */
  readonly help: string;
  readonly options: OptionSpec;
  run(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<void>;
}
