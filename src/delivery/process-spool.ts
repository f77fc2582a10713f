import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { FileSpool, SpoolInUseError, type FileSpoolOptions } from './file-spool.js';

/** Where a ledger's spool goes when its `spool` option names no directory, relative to `cwd`. */
export const DEFAULT_SPOOL_DIRECTORY = '.llm-ledger/spool';

/** Enough for any worker count on one machine; past it, `spool` must name directories. */
const MAX_SLOTS = 256;

/** The n-th directory of a base: the base itself, then `BASE-1`, `BASE-2`, ... */
export function spoolSlot(base: string, index: number): string {
  return index === 0 ? base : `${base}-${index}`;
}

/**
 * A spool of its own for this process (and for this ledger: two ledgers of one process get two),
 * under `base`: a directory holding records left by a process that stopped is preferred (so they
 * are replayed, even when fewer workers run than before), else the first free one. A directory is
 * free when its lock names no running process (see FileSpool). Workers of a cluster, PM2 or a
 * container restarted in place therefore never block each other and never lose what a predecessor
 * spooled.
 */
export function openProcessSpool(base: string, options: Omit<FileSpoolOptions, 'directory'> = {}): FileSpool {
  const root = resolve(base);
  const slots = existingSlots(root);
  const ordered = [...slots.filter((slot) => hasRecords(slot)), ...slots];
  for (let index = slots.length; index < MAX_SLOTS; index++) ordered.push(spoolSlot(root, index));
  const tried = new Set<string>();
  for (const directory of ordered) {
    if (tried.has(directory)) continue;
    tried.add(directory);
    try {
      return new FileSpool({ ...options, directory });
    } catch (error) {
      if (!(error instanceof SpoolInUseError)) throw error;
    }
  }
  throw new ConfigError({
    source: 'options',
    path: 'spool',
    expected: `a free spool directory: all ${MAX_SLOTS} under ${JSON.stringify(root)} are held by running processes; give this process its own \`spool\` directory`,
  });
}

/** Whether a spool under `base` holds records not yet replayed (left by an exit or a crash). */
export function hasLeftoverSpool(base: string): boolean {
  return existingSlots(resolve(base)).some((slot) => hasRecords(slot));
}

function existingSlots(root: string): string[] {
  const slots: string[] = [];
  // Slots are taken lowest first and never removed, so they are contiguous.
  for (let index = 0; index < MAX_SLOTS && existsSync(spoolSlot(root, index)); index++) {
    slots.push(spoolSlot(root, index));
  }
  return slots;
}

function hasRecords(directory: string): boolean {
  try {
    return statSync(join(directory, 'spool.jsonl')).size > 0;
  } catch {
    return false;
  }
}
