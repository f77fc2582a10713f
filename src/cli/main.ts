#!/usr/bin/env node
import { isLedgerError } from '../core/errors.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}).catch((error: unknown) => {
  process.stderr.write(`llm-ledger: ${isLedgerError(error) ? error.message : String(error)}\n`);
  return 1;
});
