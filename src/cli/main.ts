#!/usr/bin/env node
import { isLedgerError } from '../core/errors.js';
import { printable } from './format/printable.js';
import { runCli } from './run-cli.js';

// A closed or failing stdout (`llm-ledger calls | head -1`, a full disk) emits 'error' on the
// stream; without a listener that is an uncaught exception and a stack trace.
let stdoutError: NodeJS.ErrnoException | undefined;
process.stdout.on('error', (error: NodeJS.ErrnoException) => (stdoutError ??= error));

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => void (stdoutError === undefined && process.stdout.write(text)),
  stdoutStream: process.stdout,
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}).catch((error: unknown) => {
  process.stderr.write(`llm-ledger: ${printable(isLedgerError(error) ? error.message : String(error))}\n`);
  return 1;
});
if (stdoutError && code === 0) {
  process.stderr.write(`llm-ledger: writing to stdout failed: ${printable(stdoutError.code ?? stdoutError.message)}\n`);
  process.exitCode = 1;
} else {
  process.exitCode = code;
}
