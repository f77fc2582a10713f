import { mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'spool.lock';

/** Directories locked by spools of this process: a lock holding our own pid is ours only if listed here. */
const heldHere = new Set<string>();

/** A lock file still empty this long after it was created belongs to a writer that died in between. */
const EMPTY_LOCK_GRACE_MS = 5_000;
/** A takeover marker older than this was left by a process that died while taking a lock over. */
const TAKEOVER_GRACE_MS = 5_000;

export type LockResult = { locked: true } | { locked: false; holder: number; sameProcess: boolean };

/**
 * Takes the directory's lock for this process. A lock is someone else's while it names a running
 * process other than this one. A lock naming this very pid is left from an earlier process that
 * had the same pid (pid 1 in a container restarted in place) unless a spool of this process holds
 * it now; a lock naming a dead process is left from a crash: both are taken over, so the restarted
 * process replays its predecessor's records.
 */
export function tryLock(directory: string): LockResult {
  const key = resolve(directory);
  if (heldHere.has(key)) return { locked: false, holder: process.pid, sameProcess: true };
  const path = join(key, LOCK_FILE);
  let holder = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      heldHere.add(key);
      return { locked: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner === 'gone') continue;
    if (owner === 'being written') {
      pause(10); // its creator writes the pid right after creating it
      continue;
    }
    holder = owner;
    if (owner !== process.pid && isRunning(owner)) return { locked: false, holder: owner, sameProcess: false };
    if (!takeOver(key, path, owner)) pause(10);
  }
  // Still changing hands after many tries: another process is starting on it right now.
  return { locked: false, holder, sameProcess: false };
}

export function releaseLock(directory: string): void {
  const key = resolve(directory);
  if (!heldHere.delete(key)) return;
  try {
    unlinkSync(join(key, LOCK_FILE));
  } catch {
    // already gone: nothing to release
  }
}

function readOwner(path: string): number | 'gone' | 'being written' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  const owner = Number(text.trim());
  if (Number.isSafeInteger(owner) && owner > 0) return owner;
  // Created (`wx`) but its pid not written yet, or written by a process that died in between.
  try {
    return Date.now() - statSync(path).mtimeMs < EMPTY_LOCK_GRACE_MS ? 'being written' : 0;
  } catch {
    return 'gone';
  }
}

/**
 * Removes a stale lock, unless another process is taking it over at the same moment: both could
 * read the same stale pid, and the slower one would then delete the faster one's fresh lock. The
 * `mkdir` marker lets only one of them check and remove it.
 */
function takeOver(directory: string, path: string, staleOwner: number): boolean {
  const marker = join(directory, `${LOCK_FILE}.takeover`);
  try {
    mkdirSync(marker);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(marker).mtimeMs > TAKEOVER_GRACE_MS) rmdirSync(marker);
    } catch {
      // removed by its owner meanwhile
    }
    return false; // the other process is on it; the caller tries again
  }
  try {
    if (readOwner(path) === staleOwner) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  } finally {
    rmdirSync(marker);
  }
  return true;
}

/** A short synchronous wait: lock taking runs in a constructor, where nothing can await. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
