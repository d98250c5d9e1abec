import { lstatSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno, isReproError } from '../core/errors.js';
import { pidAlive } from '../core/proc.js';
import type { Ctx } from './context.js';
import { readManifest } from './inspect.js';
import { isDirHash } from './manifest.js';

/**
 * Garbage collection: every object not reachable from `keep` goes (a kept `.dir` keeps its
 * members; a kept manifest that is missing or corrupt keeps nothing more). Names that are not
 * objects are left alone, except temp files (`.<name>.tmp-<pid>-<hex>`, from `tempBeside` or
 * core/atomic's `tempPathFor`) whose process is gone or that are a day old: those are swept,
 * their bytes counted but not listed. Quarantined objects (`bad/`, trust.ts) are not touched. Run it under the repository lock: a save running concurrently could
 * store an object gc has not been told to keep.
 */

const HEX2 = /^[0-9a-f]{2}$/;
const REST = /^[0-9a-f]{62}(\.dir)?$/;
const TEMP = /\.tmp-(\d+)-[0-9a-f]+$/;
const STALE_TEMP_MS = 24 * 3600 * 1000;

export async function gc(ctx: Ctx, keep: Iterable<string>, opts: { dry?: boolean } = {}): Promise<{ removed: string[]; bytes: number }> {
  const keepSet = new Set<string>();
  for (const k of keep) {
    if (keepSet.has(k)) continue;
    keepSet.add(k);
    if (!isDirHash(k)) continue;
    try {
      for (const e of await readManifest(ctx, k)) keepSet.add(e.hash);
    } catch (e) {
      if (!isReproError(e, 'E_CACHE')) throw e; // missing, corrupt or malformed: nothing more to keep
    }
  }

  const removed: string[] = [];
  let bytes = 0;
  const drop = (path: string, size: number): void => {
    bytes += size;
    if (!opts.dry) rmSync(path, { force: true });
  };
  for (const prefix of listNames(ctx.store.objectsDir)) {
    if (!HEX2.test(prefix)) continue;
    const dir = join(ctx.store.objectsDir, prefix);
    for (const name of listNames(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st?.isFile()) continue;
      if (REST.test(name)) {
        if (keepSet.has(prefix + name)) continue;
        removed.push(prefix + name);
        drop(path, st.size);
        if (!opts.dry) ctx.store.trust.forget(prefix + name);
      } else if (isStaleTemp(name, st.mtimeMs)) {
        drop(path, st.size);
      }
      const y = ctx.tick();
      if (y) await y;
    }
    if (!opts.dry) removeIfEmpty(dir);
  }
  for (const name of listNames(ctx.store.tmpDir)) {
    const path = join(ctx.store.tmpDir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st?.isFile() && isStaleTemp(name, st.mtimeMs)) drop(path, st.size);
  }
  ctx.store.forgetDirs();
  return { removed: removed.sort(), bytes };
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (e) {
    if (!isErrno(e, 'ENOTEMPTY') && !isErrno(e, 'EEXIST')) throw e;
  }
}

/** A temp file whose writer is gone (or that is a day old, in case the pid was reused). */
function isStaleTemp(name: string, mtimeMs: number): boolean {
  const m = TEMP.exec(name);
  if (!m) return false;
  if (Date.now() - mtimeMs > STALE_TEMP_MS) return true;
  const pid = Number(m[1]);
  return pid !== process.pid && !pidAlive(pid);
}
