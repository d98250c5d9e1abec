import { storedPathProblem } from '../../core/paths.js';
import type { LockOut } from '../../lock/index.js';
import { isObjectHash } from '../../remote/index.js';

/**
 * The local run-cache journal (`.repro/runcache.jsonl`) is read as untrusted input before
 * `push --run-cache` uploads it: a line edited by hand, written by another tool or damaged would
 * otherwise reach every teammate's cache. An entry goes up only when its key is a stage key (64
 * hex), each of its paths is a canonical repo-relative path (`checkStoredPath`'s rules) and each
 * output names a well-formed object hash with a size. The remote side checks the same again
 * (fetch.ts `parseEntry`); this check keeps a bad entry off the remote in the first place, and a
 * good one goes up with its known fields only.
 */
export interface BadRunCacheEntry {
  /** The stage key as found (shortened when long), or its type when it is not a string. */
  key: string;
  problem: string;
}

const STAGE_KEY = /^[0-9a-f]{64}$/;

/** Why the entry must not be pushed; undefined when it is good. */
function runCacheEntryProblem(key: unknown, outs: unknown): string | undefined {
  if (typeof key !== 'string' || !STAGE_KEY.test(key)) return 'the key is not a stage key (64 hex digits)';
  if (!outs || typeof outs !== 'object' || Array.isArray(outs)) return 'its outputs are not an object';
  for (const [path, o] of Object.entries(outs as Record<string, unknown>)) {
    const bad = storedPathProblem(path);
    if (bad !== undefined) return `unsafe path '${path.length > 100 ? path.slice(0, 100) + '…' : path}' (${bad})`;
    const out = o as Partial<LockOut> | null;
    if (!out || typeof out !== 'object') return `output '${path}' is not an object`;
    if (typeof out.hash !== 'string' || !isObjectHash(out.hash)) return `output '${path}' has no well-formed hash`;
    if (!Number.isSafeInteger(out.size) || (out.size as number) < 0) return `output '${path}' has no valid size`;
    if (out.nfiles !== undefined && (!Number.isSafeInteger(out.nfiles) || out.nfiles < 0))
      return `output '${path}' has an invalid file count`;
  }
  return undefined;
}

/** Split journal entries into those fit to push and those skipped (with why). */
export function checkRunCacheEntries(entries: Iterable<[unknown, unknown]>): {
  good: [string, Record<string, LockOut>][];
  bad: BadRunCacheEntry[];
} {
  const good: [string, Record<string, LockOut>][] = [];
  const bad: BadRunCacheEntry[] = [];
  for (const [key, outs] of entries) {
    const problem = runCacheEntryProblem(key, outs);
    if (problem === undefined) good.push([key as string, onlyFields(outs as Record<string, LockOut>)]);
    else bad.push({ key: typeof key === 'string' ? (key.length > 80 ? key.slice(0, 80) + '…' : key) : typeof key, problem });
  }
  return { good, bad };
}

/**
 * The outputs with only the fields an entry is made of (as fetch.ts `parseEntry` reads them): any
 * other field of a journal line, whatever put it there, is not uploaded.
 */
function onlyFields(outs: Record<string, LockOut>): Record<string, LockOut> {
  const out: Record<string, LockOut> = {};
  for (const [path, o] of Object.entries(outs))
    out[path] = { hash: o.hash, size: o.size, ...(o.nfiles !== undefined ? { nfiles: o.nfiles } : {}) };
  return out;
}
