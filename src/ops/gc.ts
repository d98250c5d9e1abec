import { join } from 'node:path';
import { acquireRepoLock } from '../core/repolock.js';
import { fetchObjects, KnownSet, listObjects, newEpoch, objectKey } from '../remote/index.js';
import { openContext, type RepoContext } from './context.js';
import { namedObjects } from './remote/named-objects.js';
import { openSession } from './remote/session.js';
import { runCacheEntries } from './run/runcache.js';

export interface GcOptions {
  cwd: string;
  /** List only; remove nothing. */
  dry?: boolean;
  /** Keep what branch tips (-a), tags (-T), every commit (-A), run records (--runs) name. The workspace is always kept. */
  branches?: boolean;
  tags?: boolean;
  allCommits?: boolean;
  runs?: boolean;
  /** Also remove unreferenced objects from the remote. */
  cloud?: boolean;
  remote?: string;
  jobs?: number;
  signal?: AbortSignal;
}

export interface GcSide {
  /** Object names removed (or, dry, that would be). */
  removed: string[];
  bytes: number;
}

export interface GcReport {
  dry: boolean;
  /** Objects the kept revisions name (directories not expanded). */
  kept: number;
  revisions: number;
  local: GcSide;
  cloud: (GcSide & { remote: { name: string; url: string } }) | null;
}

/**
 * `repro gc`: remove cache objects that no kept revision's lock names (with `runs`, also keeping
 * what run records and the run cache name). Holds the repository lock, so no `repro run`,
 * checkout or fetch is halfway through storing or placing an object meanwhile. With `cloud`,
 * the same on the remote: a kept directory whose manifest is only on the remote has the manifest
 * fetched (hash-checked) first, so its files are known and kept; afterwards the remote's epoch
 * changes, so every clone re-checks what it remembered the remote to hold (remote/known.ts).
 * Another clone pushing to the same remote while this runs can lose objects it just uploaded:
 * run `gc --cloud` when no one is pushing.
 */
export async function gc(opts: GcOptions): Promise<GcReport> {
  const ctx = await openContext(opts.cwd);
  const held = await acquireRepoLock(join(ctx.stateDir, 'lock'), { command: 'gc' });
  try {
    return await gcLocked(ctx, opts);
  } finally {
    await held.release();
  }
}

async function gcLocked(ctx: RepoContext, opts: GcOptions): Promise<GcReport> {
  const dry = Boolean(opts.dry);
  const named = await namedObjects(ctx, {
    workspace: true,
    branches: opts.branches,
    tags: opts.tags,
    allCommits: opts.allCommits,
    runs: opts.runs,
  });
  const keep = named.hashes;
  if (opts.runs)
    for (const outs of runCacheEntries(ctx.stateDir).values())
      for (const o of Object.values(outs)) if (typeof o?.hash === 'string') keep.add(o.hash);

  let cloud: GcReport['cloud'] = null;
  if (opts.cloud) {
    const s = await openSession(ctx, { remote: opts.remote, jobs: opts.jobs });
    try {
      const dirs = [...keep].filter((h) => h.endsWith('.dir'));
      await fetchObjects(s.backend, s.local, dirs, { jobs: s.jobs, signal: opts.signal, manifestsOnly: true });
      const keepAll = new Set(keep);
      for (const d of dirs) for (const m of await s.local.members(d)) keepAll.add(m.hash);
      const listed = await listObjects(s.backend, s.jobs, opts.signal);
      const removed = [...listed.keys()].filter((h) => !keepAll.has(h)).sort();
      const bytes = removed.reduce((n, h) => n + Math.max(0, listed.get(h)!), 0);
      if (!dry && removed.length) {
        // Manifests first: a directory must never look complete on the remote once a file of it is gone.
        const order = [...removed.filter((h) => h.endsWith('.dir')), ...removed.filter((h) => !h.endsWith('.dir'))];
        // A new epoch before the deletes and another after: what any push remembered while they
        // ran (or a first push that wrote its own epoch over ours) is under an epoch that is
        // gone once they end, so no clone keeps believing in a deleted object.
        await newEpoch(s.backend);
        await s.backend.delete(order.map(objectKey));
        KnownSet.load(ctx.stateDir, s.spec.url, await newEpoch(s.backend)).close();
      }
      cloud = { remote: { name: s.spec.name, url: s.spec.url }, removed, bytes };
    } finally {
      s.backend.close();
    }
  }
  const local = await ctx.cache.gc(keep, { dry });
  return { dry, kept: keep.size, revisions: named.revisions, local, cloud };
}
