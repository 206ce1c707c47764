/**
 * The training commands and their wiring: Open Training Panel, Train on CSV…, and the Explorer's
 * "Train Sentence Lens on This CSV". The panel is revived after a window reload by its serializer.
 */
import * as vscode from 'vscode';
import type { CommandContext } from '../commands/context.js';
import { trainOnCsv } from './quick-train.js';
import { TrainingPanel } from './training-panel.js';
import { TrainingService } from './training-service.js';

export const OPEN_TRAINING_PANEL = 'sentenceLens.openTrainingPanel';
export const TRAIN_ON_CSV = 'sentenceLens.trainOnCsv';
export const TRAIN_ON_THIS_CSV = 'sentenceLens.trainOnThisCsv';

export function registerTraining(context: vscode.ExtensionContext, ctx: CommandContext): vscode.Disposable[] {
  const service = new TrainingService(context, ctx);
  const panel = new TrainingPanel(context.extensionUri, ctx.log, service);
  return [
    service,
    panel,
    vscode.commands.registerCommand(OPEN_TRAINING_PANEL, () => panel.show()),
    vscode.commands.registerCommand(TRAIN_ON_CSV, (uri?: unknown) => trainOnCsv(ctx, service, uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(TRAIN_ON_THIS_CSV, (uri?: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (target) panel.openWith(target.fsPath);
      else panel.show();
    }),
  ];
}
