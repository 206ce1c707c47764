/**
 * Model server entry: a child process forked by the extension (or a test), speaking
 * vscode-jsonrpc over Node IPC. It exits when the parent goes away, so it is never orphaned.
 */
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { DEBUG_MARK } from '../protocol.js';
import { registerHandlers } from './handlers.js';

function log(message: string): void {
  process.stderr.write(`[server ${process.pid}] ${message}\n`);
}

function debug(message: string): void {
  log(`${DEBUG_MARK}${message}`);
}

if (!process.send) {
  log('must be started with an IPC channel (child_process.fork); exiting');
  process.exit(2);
}

let exiting = false;
function exit(code = 0): void {
  if (exiting) return;
  exiting = true;
  process.exit(code);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
registerHandlers(connection, log, () => exit(0), debug);
// The parent closed the channel or died: nobody can talk to us any more.
process.on('disconnect', () => {
  log('parent disconnected; exiting');
  exit(0);
});
connection.onClose(() => exit(0));
process.on('uncaughtException', (e) => {
  log(`uncaught: ${e.stack ?? String(e)}`);
  exit(1);
});
connection.listen();
log(`started (node ${process.version})`);
