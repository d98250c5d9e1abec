import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { isErrno } from '../core/errors.js';
import type { LockOut } from '../lock/index.js';

/**
 * The run cache: stage key → the outputs it produced. When a key comes back (a param reverted),
 * `repro run` restores those outputs from the object cache instead of running the command.
 * One small JSON file per key under `.repro/runcache/`; written atomically; a missing or
 * unreadable entry is simply a miss.
 */
export function runCachePath(stateDir: string, key: string): string {
  return join(stateDir, 'runcache', key.slice(0, 2), `${key.slice(2)}.json`);
}

export async function readRunCache(stateDir: string, key: string): Promise<Record<string, LockOut> | null> {
  try {
    const data = JSON.parse(await readFile(runCachePath(stateDir, key), 'utf8')) as { outs?: Record<string, LockOut> };
    return data.outs ?? null;
  } catch (e) {
    if (isErrno(e, 'ENOENT') || e instanceof SyntaxError) return null;
    throw e;
  }
}

export async function writeRunCache(stateDir: string, key: string, outs: Record<string, LockOut>): Promise<void> {
  const path = runCachePath(stateDir, key);
  const dir = dirname(path);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  await writeFileAtomic(path, JSON.stringify({ outs }) + '\n', { fsync: false, mkdir: false });
}

/** Directories under .repro/runcache made by this process (nothing else removes them mid-run). */
const madeDirs = new Set<string>();
