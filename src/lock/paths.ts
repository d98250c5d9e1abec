import { ReproError } from '../core/errors.js';
import { checkStoredPath } from '../core/paths.js';
import type { KeyComponents, LockFile } from './types.js';

/**
 * The paths of a lock entry, checked where a lock enters: `repro.lock` in the work tree, the lock
 * in a run record's tree (anyone can push a run ref), the lock of a pull request. Every dep, params
 * file, lock file and output path must be canonical and inside the repository
 * (`checkStoredPath`); `wdir` and a dep may be '' (the repository root, as the pipeline writes
 * `wdir: .` and a dep `.`). Within one entry, outputs may not overlap each other, and a dep may not
 * overlap an output: a pipeline refuses both (E_DUPLICATE_OUT, E_SELF_DEP), so a lock that has them
 * was not written by repro.
 *
 * Throws `E_PATH_ESCAPE` naming the source, the stage and the field; `E_CONFIG` for overlaps.
 */
export function checkEntryPaths(entry: Partial<KeyComponents> & { out_hashes?: Record<string, unknown> }, source: string): void {
  const where = (field: string): string => `${source}, ${field}`;
  if (entry.wdir !== undefined && entry.wdir !== '') checkStoredPath(entry.wdir, where('wdir'));
  const deps = keys(entry.deps);
  for (const p of deps) if (p !== '') checkStoredPath(p, where('deps'));
  for (const p of keys(entry.params)) checkStoredPath(p, where('params'));
  for (const p of keys(entry.locks)) checkStoredPath(p, where('locks'));
  for (const p of keys(entry.outs)) checkStoredPath(p, where('outs'));
  for (const p of keys(entry.out_hashes)) checkStoredPath(p, where('out_hashes'));
  const outs = new Set([...keys(entry.outs), ...keys(entry.out_hashes)]);
  for (const o of outs) {
    const outer = ancestors(o).find((a) => outs.has(a));
    if (outer !== undefined) throw overlap(source, `output '${o}' is inside output '${outer}'`);
  }
  for (const d of deps) {
    const own = d === '' ? [...outs][0] : ([d, ...ancestors(d)].find((a) => outs.has(a)) ?? [...outs].find((o) => o.startsWith(d + '/')));
    if (own !== undefined) throw overlap(source, `dep '${d || '.'}' overlaps its own output '${own}'`);
  }
}

/** Every entry of `lock` (see `checkEntryPaths`); `source` names the lock (`repro.lock`, `<run>:repro.lock`). */
export function checkLockPaths(lock: LockFile, source: string): void {
  for (const [name, entry] of Object.entries(lock.stages)) checkEntryPaths(entry, `${source} stage '${name}'`);
}

/** The keys of a map; [] for anything else (a malformed field is reported by the shape checks). */
function keys(v: unknown): string[] {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
}

/** Proper ancestors of a canonical path, nearest first: `a/b/c` → `a/b`, `a`. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) out.push(p.slice(0, i));
  return out;
}

function overlap(source: string, why: string): ReproError {
  return new ReproError('E_CONFIG', `malformed lock entry in ${source}: ${why}`, {
    hint: 'repro never writes such an entry: restore the lock from Git, or delete it and run again',
  });
}
