import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { memoParse, memoStore } from '../core/memo.js';
import { ReproError, isErrno, isReproError } from '../core/errors.js';
import { parseYaml, stringifyYaml } from '../core/yaml.js';
import type { LockFile, LockStage } from './types.js';

export type { LockFile, LockStage, LockOut, KeyComponents, ContentHash } from './types.js';

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

/** Parse lock text; a malformed or newer lock is `E_CONFIG` naming the file. */
export function parseLock(text: string, file = LOCK_FILE): LockFile {
  let data: Partial<LockFile> | null;
  try {
    data = parseYaml(text, file) as Partial<LockFile> | null;
  } catch (e) {
    if (!isReproError(e, 'E_YAML')) throw e;
    throw new ReproError('E_YAML', e.message.replace(/^[^:]+:\d+:\d+: /, ''), { pos: e.pos, hint: RESTORE_HINT, cause: e });
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
  return { schema: 1, stages: data.stages as Record<string, LockStage> };
}

/** Read `<root>/repro.lock`; a missing file is an empty lock. */
export async function readLock(root: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(join(root, LOCK_FILE), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return emptyLock();
    throw e;
  }
  return memoParse(join(root, '.repro'), 'lock', text, () => parseLock(text));
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
