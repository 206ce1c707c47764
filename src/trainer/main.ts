/**
 * Trainer process entry (dist/trainer.js): forked by the extension, speaking vscode-jsonrpc over
 * Node IPC (src/protocol.ts, trainer section). It answers the training panel's questions and
 * runs at most one training run. A run outlives the extension (a window reload): the process
 * then goes on writing the run folder alone and exits when the run ends.
 */
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { SentenceLensError } from '../engine/errors.js';
import {
  CachedModelsRequest,
  CheckOptionsRequest,
  DescribeModelRequest,
  ExportRequest,
  InspectCsvRequest,
  RunEventNotification,
  StartRunRequest,
  StopRunRequest,
} from '../protocol.js';
import { handle } from '../server/handlers.js';
import { cachedModels, checkOptions, describeModel, exportCheckpoint, inspect } from './questions.js';
import { RunProcess } from './run.js';

let connected = Boolean(process.send);
// Once the extension is gone its end of the stderr pipe may be closed too: never die of EPIPE.
process.stderr.on('error', () => {});
function log(message: string): void {
  if (connected) process.stderr.write(`[trainer ${process.pid}] ${message}\n`);
}

if (!process.send) {
  log('must be started with an IPC channel (child_process.fork); exiting');
  process.exit(2);
}

let run: RunProcess | undefined;
const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));

connection.onRequest(InspectCsvRequest, handle(log, 'inspectCsv', (p) => inspect(p)));
connection.onRequest(DescribeModelRequest, handle(log, 'describeModel', (p) => describeModel(p)));
connection.onRequest(CheckOptionsRequest, handle(log, 'checkOptions', async (p) => checkOptions(p.options)));
connection.onRequest(CachedModelsRequest, (token) => handle(log, 'cachedModels', () => cachedModels())(undefined, token));
connection.onRequest(ExportRequest, handle(log, 'export', (p, signal) => exportCheckpoint(p, signal)));
connection.onRequest(StartRunRequest, handle(log, 'startRun', async (p) => {
  if (run) throw new SentenceLensError('BAD_ARGUMENT', 'this trainer process already runs a training run; start another process');
  run = await RunProcess.start(p, (entry) => {
    if (connected) void connection.sendNotification(RunEventNotification, { runId: p.runId, entry }).catch(() => {});
  }, log);
  void run.done.then(() => {
    log('run ended; exiting');
    // Let the last notification leave before the channel closes.
    setTimeout(() => process.exit(0), connected ? 200 : 0);
  });
  return { pid: process.pid };
}));
connection.onRequest(StopRunRequest, (token) => handle(log, 'stopRun', async () => {
  await run?.stop();
})(undefined, token));

process.on('disconnect', () => {
  connected = false;
  if (!run) process.exit(0);
  // A run keeps going; its folder is the record the next window reads.
});
connection.onClose(() => {
  connected = false;
  if (!run) process.exit(0);
});
process.on('uncaughtException', (e) => {
  log(`uncaught: ${e.stack ?? String(e)}`);
  process.exit(1);
});
connection.listen();
log(`started (node ${process.version})`);
