import { createWriteStream, renameSync, statSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { ERROR_KIND, errorKind, LedgerError } from '../../core/errors.js';
import type { CliIo } from '../command.js';
import { printable } from './printable.js';

/** Where an export goes: every write waits for the destination (backpressure) and fails cleanly. */
export interface ExportOutput {
  /** Resolves once the destination can take more; rejects with the destination's write error. */
  write(text: string): Promise<void>;
  /** Everything is written (and the file renamed into place). */
  finish(): Promise<void>;
  /** A failed export: the partial file is removed. */
  abort(): Promise<void>;
  /** "stdout" or the file path, for messages. */
  readonly name: string;
}

/** A write error of the destination, said plainly: the CLI prints it, without a stack trace. */
export class ExportWriteError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('ExportWriteError');

  constructor(name: string, records: number, cause: unknown) {
    const error = cause as NodeJS.ErrnoException;
    const reason = error?.code ? `${error.code} ${error.message.replace(`${error.code}: `, '')}` : String(cause);
    super(
      `Writing to ${printable(name)} failed after ${records.toLocaleString('en-US')} records: ${printable(reason)}`,
      {
        cause,
      },
    );
    this.name = 'ExportWriteError';
  }
}

/**
 * A regular file is written beside its final name and renamed into place once complete, so a
 * failed export (a full disk) never leaves a truncated file that looks finished. A device or a
 * FIFO (`/dev/stdout`, a named pipe) is written directly.
 */
export function fileOutput(path: string, cwd: string): ExportOutput {
  const target = resolve(cwd, path);
  if (isDirectory(target)) throw new LedgerError(`--out ${printable(path)} is a directory: give the path of a file`);
  const special = isSpecialFile(target);
  const writing = special ? target : `${target}.${process.pid}.partial`;
  const stream = createWriteStream(writing, { flags: 'w' });
  const output = streamOutput(stream, path, true);
  return {
    name: path,
    write: output.write,
    async finish() {
      await output.finish();
      if (!special) renameSync(writing, target);
    },
    async abort() {
      await output.abort();
      if (!special) {
        try {
          unlinkSync(writing);
        } catch {
          // never created (the directory is missing or not writable)
        }
      }
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isSpecialFile(path: string): boolean {
  try {
    return !statSync(path).isFile() && !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** stdout: the process stream when the CLI runs as a program, else the io callback (tests, embedding). */
export function stdoutOutput(io: CliIo): ExportOutput {
  if (io.stdoutStream) return streamOutput(io.stdoutStream, 'stdout', false);
  return {
    name: 'stdout',
    write: async (text) => void io.stdout(text),
    finish: async () => undefined,
    abort: async () => undefined,
  };
}

function streamOutput(stream: Writable, name: string, owned: boolean): ExportOutput {
  let failure: Error | undefined;
  // Without a listener an 'error' (EPIPE, ENOSPC, EISDIR) would crash the process.
  const onError = (error: Error) => (failure ??= error);
  stream.on('error', onError);
  const settle = (waitFor: 'drain' | 'finish') =>
    new Promise<void>((resolvePromise, reject) => {
      const done = () => {
        cleanup();
        if (failure) reject(failure);
        else resolvePromise();
      };
      const cleanup = () => {
        stream.off(waitFor, done);
        stream.off('error', done);
        stream.off('close', done);
      };
      if (failure) return done();
      stream.once(waitFor, done);
      stream.once('error', done);
      stream.once('close', done);
    });
  return {
    name,
    async write(text) {
      if (failure) throw failure;
      if (!stream.write(text)) await settle('drain');
      if (failure) throw failure;
    },
    async finish() {
      if (failure) throw failure;
      if (owned) {
        const finished = settle('finish');
        stream.end();
        await finished;
      } else if (stream.writableNeedDrain) {
        await settle('drain');
      }
      if (failure) throw failure;
    },
    async abort() {
      if (owned) {
        const closed = new Promise<void>((resolvePromise) => {
          if (stream.destroyed) return resolvePromise();
          stream.once('close', () => resolvePromise());
        });
        stream.destroy();
        await closed;
      }
    },
  };
}
