import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { memoParse, memoStore } from '../core/memo.js';
import { ReproError, isErrno, isReproError } from '../core/errors.js';
import { parseYamlData, stringifyYaml } from '../core/yaml.js';
import { checkEntryPaths, checkLockPaths } from './paths.js';
import type { LockFile, LockStage } from './types.js';

export { checkEntryPaths, checkLockPaths } from './paths.js';
export type { LockFile, LockStage, LockOut, KeyComponents, ContentHash, Observed, ObservedClass } from './types.js';

export const LOCK_FILE = 'repro.lock';
const RESTORE_HINT = 'restore it from Git (git checkout -- repro.lock), or delete it and run again';
const HEADER = '# repro.lock: written by `repro run`; what each stage last produced. Do not edit by hand.\n';

/** An empty lock: what a pipeline that never ran has. */
export function emptyLock(): LockFile {
  return { schema: 1, stages: {} };
}

/**
 * Serialise deterministically: keys sorted at every level, no timestamps, so the same results
 * give byte-identical files and merges stay small.
 */
export function serializeLock(lock: LockFile): string {
  return HEADER + stringifyYaml(lockData(lock));
}

/** The lock as plain sorted data: what is serialised, and what parsing the text gives back. */
function lockData(lock: LockFile): LockFile {
  return sortDeep({ schema: lock.schema, stages: lock.stages }) as LockFile;
}

/**
 * Parse lock text; a malformed or newer lock is `E_CONFIG` naming the file. The text is untrusted
 * (a pull request's lock, a pushed run's): a path in it that is not canonical and inside the
 * repository is `E_PATH_ESCAPE` (see paths.ts), at the stage's line.
 */
export function parseLock(text: string, file = LOCK_FILE): LockFile {
  let data: Partial<LockFile> | null;
  const conflict = /^(<{7}|>{7}|={7})( |$)/m.exec(text);
  if (conflict) {
    throw new ReproError('E_CONFIG', `unresolved merge conflict in '${file}'`, {
      pos: { file, line: text.slice(0, conflict.index).split('\n').length, col: 1 },
      hint: 'take either side (git checkout --ours repro.lock, or --theirs), then repro run: it brings every stage up to date and rewrites the lock',
    });
  }
  try {
    // Through the positioned tree (plain block YAML, as writeLock emits it, in one linear pass;
    // anything else through the library), not the library's toJS: its duplicate-key check
    // compares each key with every earlier one, quadratic in the stages of a 10,000-stage lock.
    data = parseYamlData(text, file) as Partial<LockFile> | null;
  } catch (e) {
    if (!isReproError(e, 'E_YAML') && !isReproError(e, 'E_CONFIG')) throw e;
    throw new ReproError(e.code, e.message.replace(/^[^:]+:\d+:\d+: /, ''), { pos: e.pos, hint: RESTORE_HINT, cause: e });
  }
  if (data === null || data === undefined) return emptyLock();
  if (typeof data !== 'object' || typeof data.stages !== 'object' || data.stages === null) {
    throw new ReproError('E_CONFIG', `malformed lock file: '${file}'`, { hint: RESTORE_HINT });
  }
  if (data.schema !== 1) {
    throw new ReproError('E_CONFIG', `unsupported lock schema ${String(data.schema)}: '${file}'`, {
      hint: 'this lock was written by a newer repro; upgrade repro',
    });
  }
  if (Array.isArray(data.stages))
    throw new ReproError('E_CONFIG', `malformed lock file: 'stages' is a list: '${file}'`, { hint: RESTORE_HINT });
  for (const [name, entry] of Object.entries(data.stages)) {
    const why = entryProblem(entry);
    if (why) {
      throw new ReproError('E_CONFIG', `malformed lock entry for stage '${name}': ${why}`, {
        pos: { file, line: lockEntryLine(text, name) ?? 1, col: 3 },
        hint: RESTORE_HINT,
      });
    }
    try {
      checkEntryPaths(entry as LockStage, `${file} stage '${name}'`);
    } catch (e) {
      if (!isReproError(e, 'E_PATH_ESCAPE') && !isReproError(e, 'E_CONFIG')) throw e;
      throw new ReproError(e.code, e.message, { pos: { file, line: lockEntryLine(text, name) ?? 1, col: 3 }, hint: e.hint, cause: e });
    }
  }
  return { schema: 1, stages: data.stages as Record<string, LockStage> };
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const mapOf = (v: unknown, ok: (x: unknown) => boolean): boolean => isMap(v) && Object.values(v).every(ok);
const isString = (x: unknown): boolean => typeof x === 'string';

/**
 * What is wrong with one stage entry, or undefined. A hand-edited or badly merged lock must give
 * this error, not a crash deep in status or checkout. Fields a lock may lack are checked when present.
 */
function entryProblem(e: unknown): string | undefined {
  if (!isMap(e)) return 'not a mapping';
  if (typeof e.key !== 'string') return "'key' must be a string";
  if (!Array.isArray(e.cmd) || !e.cmd.every(isString)) return "'cmd' must be a list of strings";
  const maps: [string, (x: unknown) => boolean][] = [
    ['deps', isString],
    ['locks', isString],
    ['env', isString],
    ['outs', isString],
    ['params', isMap],
    [
      'out_hashes',
      (o) =>
        isMap(o) && typeof o.hash === 'string' && typeof o.size === 'number' && (o.nfiles === undefined || typeof o.nfiles === 'number'),
    ],
  ];
  for (const [field, ok] of maps) {
    if (e[field] !== undefined && !mapOf(e[field], ok)) return `'${field}' is malformed`;
  }
  if (e.wdir !== undefined && typeof e.wdir !== 'string') return "'wdir' must be a string";
  if (e.seed !== undefined && e.seed !== null && typeof e.seed !== 'number') return "'seed' must be a number or null";
  if (e.seed_metrics !== undefined && !mapOf(e.seed_metrics, (m) => mapOf(m, (x) => typeof x === 'number')))
    return "'seed_metrics' is malformed";
  if (e.source_date_epoch !== undefined && !Number.isInteger(e.source_date_epoch)) return "'source_date_epoch' must be an integer";
  if (e.observed !== undefined && !observedOk(e.observed)) return "'observed' is malformed";
  return undefined;
}

const CLASSES = new Set(['deterministic', 'seed-dependent', 'environment-dependent', 'unstable']);

/** Whether `o` is a well-formed `observed` entry (a lock's, or a copy of one kept elsewhere). */
export function observedOk(o: unknown): boolean {
  return (
    isMap(o) &&
    CLASSES.has(o.class as string) &&
    Array.isArray(o.varied) &&
    o.varied.every(isString) &&
    (o.at === null || typeof o.at === 'string')
  );
}

/** The line of `  <name>:` (plain or quoted) under `stages:` in lock text; null when not found. */
export function lockEntryLine(text: string, name: string): number | null {
  const forms = [`  ${name}:`, `  ${JSON.stringify(name)}:`, `  '${name}':`];
  const i = text.split('\n').findIndex((l) => forms.some((f) => l === f || l.startsWith(f + ' ')));
  return i < 0 ? null : i + 1;
}

/** Read `<root>/repro.lock`; a missing file is an empty lock. */
export async function readLock(root: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(join(root, LOCK_FILE), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return emptyLock();
    if (isErrno(e, 'EISDIR'))
      throw new ReproError('E_CONFIG', `'${LOCK_FILE}' is a directory, not a lock file`, {
        hint: `move it away: repro writes ${LOCK_FILE} itself`,
      });
    throw e;
  }
  return parseLockAt(root, text);
}

/**
 * parseLock of `<root>/repro.lock`'s text, through the memo in `<root>/.repro/` that writeLock
 * keeps (a hit is one JSON.parse; parsing a 10,000-stage lock as YAML is ~10x that).
 */
export function parseLockAt(root: string, text: string): LockFile {
  const lock = memoParse(join(root, '.repro'), 'lock', text, () => parseLock(text));
  // A memo hit skips parseLock: check the paths again (cheap), so no stale or planted memo
  // can bring an unchecked path in.
  checkLockPaths(lock, LOCK_FILE);
  return lock;
}

/** Write `<root>/repro.lock` atomically. Returns the text written. */
export async function writeLock(root: string, lock: LockFile): Promise<string> {
  const data = lockData(lock);
  const text = HEADER + stringifyYaml(data);
  await writeFileAtomic(join(root, LOCK_FILE), text);
  await memoStore(join(root, '.repro'), 'lock', text, data);
  return text;
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortDeep(x);
    }
    return out;
  }
  return v;
}
