import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../core/atomic.js';
import type { LockOut } from '../../lock/index.js';

/**
 * The run cache: stage key → the outputs it produced. When a key comes back (a param reverted),
 * `repro run` restores those outputs from the object cache instead of running the command.
 *
 * One append-only journal, `.repro/runcache.jsonl`, a line `{"k":key,"o":outs}` per executed
 * stage. Appends are single O_APPEND writes of one short line, so concurrent writers never
 * interleave within a line; a torn last line (a killed process) fails to parse and is skipped,
 * costing at most a miss. The journal is read once per process, on the first lookup; later
 * lines win. It replaced one file per key, whose create + rename + fan-out mkdir cost ~0.7 ms
 * of main-thread time per stage. `compactRunCache` rewrites it without duplicates when it grows.
 */
const FILE = 'runcache.jsonl';
const COMPACT_BYTES = 8 * 1024 * 1024;

interface Journal {
  entries: Map<string, Record<string, LockOut>>;
  /** key → the host that executed it (`h`), for entries this machine wrote; pulled ones have none. */
  hosts: Map<string, string>;
  /** key → the SOURCE_DATE_EPOCH its outputs were made with (`e`), so a restore records the same. */
  epochs: Map<string, number>;
  fd?: number;
  /** The file ends mid-line (a torn append): start the next append on a new line. */
  torn: boolean;
}
const journals = new Map<string, Journal>();

function journal(stateDir: string): Journal {
  let j = journals.get(stateDir);
  if (j) return j;
  j = { entries: new Map(), hosts: new Map(), epochs: new Map(), torn: false };
  const path = join(stateDir, FILE);
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    j.torn = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as { k?: unknown; o?: unknown; h?: unknown; e?: unknown };
        if (typeof e.k === 'string' && e.o && typeof e.o === 'object') {
          j.entries.set(e.k, e.o as Record<string, LockOut>);
          if (typeof e.h === 'string') j.hosts.set(e.k, e.h);
          else j.hosts.delete(e.k);
          if (Number.isSafeInteger(e.e)) j.epochs.set(e.k, e.e as number);
          else j.epochs.delete(e.k);
        }
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e; // a torn line: skip it
      }
    }
  }
  journals.set(stateDir, j);
  return j;
}

export async function readRunCache(stateDir: string, key: string): Promise<Record<string, LockOut> | null> {
  return journal(stateDir).entries.get(key) ?? null;
}

/** The host that wrote `key`'s entry; null for an entry fetched from a remote (or written before hosts were kept). */
export function runCacheHost(stateDir: string, key: string): string | null {
  return journal(stateDir).hosts.get(key) ?? null;
}

/** The SOURCE_DATE_EPOCH `key`'s outputs were made with, when the entry says. */
export function runCacheEpoch(stateDir: string, key: string): number | undefined {
  return journal(stateDir).epochs.get(key);
}

/**
 * `host`: the machine that executed the stage (omitted for entries fetched from a remote);
 * `epoch`: the SOURCE_DATE_EPOCH it ran with, so that a later restore writes the lock entry an
 * uninterrupted run would have written.
 */
export async function writeRunCache(
  stateDir: string,
  key: string,
  outs: Record<string, LockOut>,
  host?: string,
  epoch?: number,
): Promise<void> {
  const j = journal(stateDir);
  j.entries.set(key, outs);
  if (host !== undefined) j.hosts.set(key, host);
  else j.hosts.delete(key);
  if (epoch !== undefined) j.epochs.set(key, epoch);
  else j.epochs.delete(key);
  if (j.fd === undefined) {
    mkdirSync(stateDir, { recursive: true });
    j.fd = openSync(join(stateDir, FILE), 'a');
  }
  writeSync(j.fd, (j.torn ? '\n' : '') + JSON.stringify(entryLine(key, outs, host, epoch)) + '\n');
  j.torn = false;
}

/**
 * Close the journal and, when it has grown past 8 MiB, rewrite it with one line per key
 * (atomically). Call at the end of a command that holds the repository lock.
 */
export function compactRunCache(stateDir: string): void {
  const j = journals.get(stateDir);
  if (!j) return;
  if (j.fd !== undefined) closeSync(j.fd);
  journals.delete(stateDir);
  const path = join(stateDir, FILE);
  if (!existsSync(path) || statSync(path).size < COMPACT_BYTES) return;
  const text = [...j.entries].map(([k, o]) => JSON.stringify(entryLine(k, o, j.hosts.get(k), j.epochs.get(k)))).join('\n') + '\n';
  writeFileAtomicSync(path, text, { fsync: false });
}

/** Every entry of the journal (key → outputs), for `repro push --run-cache`. */
export function runCacheEntries(stateDir: string): ReadonlyMap<string, Record<string, LockOut>> {
  return journal(stateDir).entries;
}

function entryLine(k: string, o: Record<string, LockOut>, h?: string, e?: number): object {
  return { k, o, ...(h !== undefined ? { h } : {}), ...(e !== undefined ? { e } : {}) };
}
