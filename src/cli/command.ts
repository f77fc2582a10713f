import type { Writable } from 'node:stream';

/** What a command may touch: output streams, environment and working directory. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The process's stdout as a stream, when there is one: commands that stream (export) wait on it. */
  stdoutStream?: Writable;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface CliCommand {
  name: string;
  /** One line for `llm-ledger --help`. */
  summary: string;
  /** Full usage text for `llm-ledger NAME --help`. */
  usage: string;
  /** Returns the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
