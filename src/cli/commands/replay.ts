import { readdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, resolveLedgerConfig } from '../../create-ledger.js';
import type { CallRecord } from '../../core/record.js';
import { readDeadLetterFile } from '../../delivery/dead-letter-file.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { LEDGER_OPTIONS } from '../open-ledger.js';

const DEFAULT_DIRECTORY = '.llm-ledger/dead-letters';
const BATCH_SIZE = 500;

const USAGE = `llm-ledger replay [FILE|DIRECTORY...] [--dry-run] [--db PATH|postgres://...]

Writes dead letters back into the ledger: the records a process could not store before it closed
(disk full, database locked or read-only) and the records a store refused. Takes dead-letter files
(JSON lines of {at, reason, record}, as the ledger and the spool's dead-letters.jsonl write them)
or directories of them; default ${DEFAULT_DIRECTORY}. Records already in the ledger are skipped (by
id), so replaying twice is harmless. Each file replayed in full is renamed FILE.replayed.
--dry-run only counts the records.`;

export const command: CliCommand = {
  name: 'replay',
  summary: 'write dead letters (records not stored before close) back into the ledger',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...LEDGER_OPTIONS, 'dry-run': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    const files = deadLetterFiles(positionals.length > 0 ? positionals : [DEFAULT_DIRECTORY], io.cwd);
    const dryRun = values['dry-run'] === true;
    if (files.length === 0) {
      io.stdout('no dead-letter files to replay\n');
      return 0;
    }
    const location =
      values.db ?? resolveLedgerConfig({ configFile: values.config, env: io.env, cwd: io.cwd }).storeLocation;
    const store = dryRun ? undefined : openStore(location, io.cwd);
    let total = 0;
    let failed = false;
    try {
      for (const file of files) {
        const { records, unreadable } = readDeadLetterFile(file);
        if (unreadable > 0) io.stderr(`${file}: ${unreadable} lines are not dead letters and were left out\n`);
        if (dryRun) {
          io.stdout(`${file}: ${records.length.toLocaleString('en-US')} records\n`);
          total += records.length;
          continue;
        }
        try {
          await writeAll(store!, records);
        } catch (error) {
          failed = true;
          io.stderr(`${file}: not replayed, the store failed: ${(error as Error).message}\n`);
          continue;
        }
        // A file named explicitly after an earlier replay keeps its name.
        const renamed = file.endsWith('.replayed') ? file : `${file}.replayed`;
        if (renamed !== file) renameSync(file, renamed);
        total += records.length;
        io.stdout(`${file}: ${records.length.toLocaleString('en-US')} records written back (now ${renamed})\n`);
      }
    } finally {
      await store?.close();
    }
    io.stdout(
      `${dryRun ? 'would replay' : 'replayed'} ${total.toLocaleString('en-US')} records from ${files.length} files\n`,
    );
    return failed ? 1 : 0;
  },
};

async function writeAll(store: { write(records: readonly CallRecord[]): Promise<void> }, records: CallRecord[]) {
  for (let offset = 0; offset < records.length; offset += BATCH_SIZE) {
    await store.write(records.slice(offset, offset + BATCH_SIZE));
  }
}

/** The files named, and the `.jsonl` files inside the directories named (oldest name first). */
function deadLetterFiles(paths: readonly string[], cwd: string): string[] {
  const files: string[] = [];
  for (const path of paths.map((entry) => resolve(cwd, entry))) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) {
      // The default directory exists only once something was set aside.
      if (paths.length === 1 && paths[0] === DEFAULT_DIRECTORY) continue;
      throw new UsageError(`${path} does not exist`);
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name.endsWith('.jsonl')) files.push(join(path, name));
    } else files.push(path);
  }
  return files;
}
