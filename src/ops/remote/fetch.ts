import { join } from 'node:path';
import { sha256 } from '../../core/canonical.js';
import { ReproError } from '../../core/errors.js';
import { mark } from '../../core/timing.js';
import { checkStoredPath } from '../../core/paths.js';
import { acquireRepoLock } from '../../core/repolock.js';
import type { LockOut } from '../../lock/index.js';
import {
  fetchObjects,
  isObjectHash,
  parseRunCacheKey,
  readAll,
  RUNCACHE_PREFIX,
  runPool,
  type Backend,
  type FetchResult,
  type LocalObjects,
} from '../../remote/index.js';
import { openContext } from '../context.js';
import { namedObjects, type NamedObjectsOptions } from './named-objects.js';
import { openSession, type TransferFlags } from './session.js';
import { readRunCache, writeRunCache, compactRunCache } from '../run/runcache.js';
import { fetchRuns, lookUpGitRemote, type RunsFetchReport } from './refs.js';

export interface FetchOptions extends TransferFlags, NamedObjectsOptions {
  cwd: string;
  /** Also fetch the remote's run-cache entries and the objects they name. */
  runCache?: boolean;
  /** Also fetch `refs/repro/runs/*` from the Git remote (default true; `--no-runs`). */
  runs?: boolean;
  /** The Git remote for the run records (default `origin`). */
  gitRemote?: string;
}

export interface FetchReport {
  remote: { name: string; url: string };
  revisions: number;
  objects: Omit<FetchResult, 'interrupted'>;
  runCache: { entries: number; added: number; rejected: string[] } | null;
  /** The run records fetched from the Git remote; null with `--no-runs`. */
  runs: RunsFetchReport | null;
  interrupted: boolean;
}

/**
 * `repro fetch`: download into the local cache the objects the chosen revisions' locks name
 * (each hash-checked before it enters the cache; remote/transfer.ts). Holds the repository lock:
 * a concurrent gc must not remove what was just fetched.
 */
export async function fetch(opts: FetchOptions): Promise<FetchReport> {
  const ctx = await openContext(opts.cwd);
  const held = await acquireRepoLock(join(ctx.stateDir, 'lock'), { command: 'fetch' });
  const gitRemote = opts.runs === false ? undefined : lookUpGitRemote(ctx.root, opts.gitRemote);
  try {
    // `runs` here is the run records' Git refs (--no-runs), not RevisionSet's "every run record's
    // lock" (gc --runs): objects are those of the workspace and the chosen revisions only.
    const named = await namedObjects(ctx, { ...opts, runs: false });
    mark('fetch: objects named');
    const s = await openSession(ctx, opts);
    try {
      let entries: { key: string; outs: Record<string, LockOut> }[] = [];
      const rejected: string[] = [];
      let total = 0;
      if (opts.runCache) {
        const r = await remoteRunCache(s.backend, s.jobs, opts.signal);
        rejected.push(...r.rejected);
        total = r.entries.length;
        entries = [];
        for (const e of r.entries) if (!(await readRunCache(ctx.stateDir, e.key))) entries.push(e);
        for (const e of entries) for (const o of Object.values(e.outs)) named.hashes.add(o.hash);
      }
      const res = await fetchObjects(s.backend, s.local, named.hashes, { jobs: s.jobs, signal: opts.signal, onProgress: opts.onProgress });
      let runCache: FetchReport['runCache'] = null;
      if (opts.runCache) {
        let added = 0;
        for (const e of entries) {
          // Only entries whose every object is now here: a hit must be restorable.
          let ok = true;
          for (const o of Object.values(e.outs)) ok &&= await restorable(s.local, o.hash);
          if (!ok) continue;
          await writeRunCache(ctx.stateDir, e.key, e.outs);
          added++;
        }
        compactRunCache(ctx.stateDir);
        runCache = { entries: total, added, rejected };
      }
      mark('fetch: objects fetched');
      const { interrupted, ...objects } = res;
      const runs =
        opts.runs === false || interrupted
          ? null
          : await fetchRuns(ctx.root, { gitRemote: opts.gitRemote, signal: opts.signal, resolved: gitRemote });
      mark('fetch: run records');
      return { remote: { name: s.spec.name, url: s.spec.url }, revisions: named.revisions, objects, runCache, runs, interrupted };
    } finally {
      s.backend.close();
      await ctx.cache.flush(); // the local objects verified on the way
    }
  } finally {
    await held.release();
  }
}

async function restorable(local: LocalObjects, hash: string): Promise<boolean> {
  if (!local.stat(hash)) return false;
  if (!hash.endsWith('.dir')) return true;
  return (await local.members(hash)).every((m) => local.stat(m.hash)?.size === m.size);
}

/** The remote's run-cache entries, each checked: its name is sha256 of its key, its paths canonical. */
async function remoteRunCache(
  backend: Backend,
  jobs: number,
  signal?: AbortSignal,
): Promise<{ entries: { key: string; outs: Record<string, LockOut> }[]; rejected: string[] }> {
  const names: string[] = [];
  const rejected: string[] = [];
  for await (const page of backend.list(RUNCACHE_PREFIX)) for (const e of page) if (parseRunCacheKey(e.key)) names.push(e.key);
  const entries: { key: string; outs: Record<string, LockOut> }[] = [];
  await runPool(
    names,
    jobs,
    async (name) => {
      const obj = await backend.get(name);
      if (!obj) return;
      try {
        entries.push(parseEntry((await readAll(obj.body, 1 << 20)).toString('utf8'), name));
      } catch (e) {
        if (!(e instanceof ReproError) && !(e instanceof SyntaxError)) throw e;
        rejected.push(name);
      }
    },
    signal,
  );
  return { entries, rejected };
}

export function parseEntry(text: string, name: string): { key: string; outs: Record<string, LockOut> } {
  const v = JSON.parse(text) as { k?: unknown; o?: unknown };
  if (typeof v.k !== 'string' || parseRunCacheKey(name) !== sha256(v.k) || typeof v.o !== 'object' || v.o === null) {
    throw new ReproError('E_REMOTE', `malformed run-cache entry: '${name}'`);
  }
  const outs: Record<string, LockOut> = {};
  for (const [path, o] of Object.entries(v.o as Record<string, unknown>)) {
    const out = o as Partial<LockOut> | null;
    checkStoredPath(path, `remote run-cache entry '${name}'`);
    if (!out || typeof out.hash !== 'string' || !isObjectHash(out.hash) || typeof out.size !== 'number')
      throw new ReproError('E_REMOTE', `malformed run-cache entry: '${name}'`);
    outs[path] = { hash: out.hash, size: out.size, ...(typeof out.nfiles === 'number' ? { nfiles: out.nfiles } : {}) };
  }
  return { key: v.k, outs };
}
