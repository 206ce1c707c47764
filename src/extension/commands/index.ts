/** Registers every `sentenceLens.*` command. */
import * as vscode from 'vscode';
import { SHOW_ACTIONS } from '../status-bar.js';
import { annotateDocument, clearAnnotations, toggleAutoAnnotate } from './annotate.js';
import { classifySentence } from './classify.js';
import type { CommandContext } from './context.js';
import { copyEmbedding } from './embedding.js';
import { restartServer, selectDevice, selectModel, showActions, showLog } from './model.js';
import { findSimilar } from './similar.js';

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const table: Record<string, (ctx: CommandContext) => unknown> = {
    'sentenceLens.classifySentence': classifySentence,
    'sentenceLens.annotateDocument': annotateDocument,
    'sentenceLens.clearAnnotations': clearAnnotations,
    'sentenceLens.toggleAutoAnnotate': toggleAutoAnnotate,
    'sentenceLens.selectModel': selectModel,
    'sentenceLens.selectDevice': selectDevice,
    'sentenceLens.findSimilar': findSimilar,
    'sentenceLens.copyEmbedding': copyEmbedding,
    'sentenceLens.restartServer': restartServer,
    'sentenceLens.showLog': showLog,
    [SHOW_ACTIONS]: showActions,
  };
  return Object.entries(table).map(([id, fn]) => vscode.commands.registerCommand(id, () => fn(ctx)));
}
