import { sha256 } from '../../core/canonical.js';
import { isReproError, ReproError } from '../../core/errors.js';
import { KnownSet, pushObjects, newEpoch, readEpoch, runCacheKey, RUNCACHE_PREFIX, type PushResult } from '../../remote/index.js';
import { openContext } from '../context.js';
import { mark } from '../../core/timing.js';
import { namedObjects, type NamedObjectsOptions } from './named-objects.js';
import { openSession, type TransferFlags } from './session.js';
import { runCacheEntries } from '../run/runcache.js';
import { lookUpGitRemote, pushRuns, type GitRemote, type RunsPushReport } from './refs.js';
import { checkRunCacheEntries, type BadRunCacheEntry } from './runcache-check.js';

export interface PushOptions extends TransferFlags, NamedObjectsOptions {
  cwd: string;
  /** Also push run-cache entries (and the objects they name). */
  runCache?: boolean;
  /** Also push `refs/repro/runs/*` to the Git remote (default true; `--no-runs`). */
  runs?: boolean;
  /** The Git remote for the run records (default `origin`). */
  gitRemote?: string;
}

export interface PushReport {
  remote: { name: string; url: string };
  revisions: number;
  objects: Omit<PushResult, 'interrupted'>;
  /** `skipped`: journal entries that failed validation and were not uploaded (runcache-check.ts). */
  runCache: { entries: number; uploaded: number; skipped: BadRunCacheEntry[] } | null;
  /** The run records pushed to the Git remote (after the objects); null with `--no-runs`. */
  runs: RunsPushReport | null;
  interrupted: boolean;
}

/**
 * `repro push`: upload the objects the chosen revisions' locks name (and with `runCache`, the
 * run-cache entries, each after the objects it names). Reads the local cache only; the remote's
 * epoch decides whether what we remember about it still holds (remote/known.ts).
 */
export async function push(opts: PushOptions): Promise<PushReport> {
  const ctx = await openContext(opts.cwd);
  const gitRemote = opts.runs === false ? undefined : lookUpGitRemote(ctx.root, opts.gitRemote);
  // `runs` here is the run records' Git refs (--no-runs), not RevisionSet's "every run record's
  // lock" (gc --runs): objects are those of the workspace and the chosen revisions only.
  const named = await namedObjects(ctx, { ...opts, runs: false });
  mark('push: objects named');
  const checked = opts.runCache ? checkRunCacheEntries(runCacheEntries(ctx.stateDir)) : { good: [], bad: [] };
  const entries = checked.good;
  for (const [, outs] of entries) for (const o of Object.values(outs)) if (typeof o?.hash === 'string') named.hashes.add(o.hash);
  const s = await openSession(ctx, opts);
  try {
    // A remote without an epoch gets one before anything is remembered about it: memory kept
    // under 'none' would survive the remote being emptied by hand (rm -rf, a new bucket of the
    // same name), and the next push would skip every object as "already there".
    let epoch = await readEpoch(s.backend);
    if (epoch === 'none' || epoch === 'invalid') epoch = await newEpoch(s.backend);
    const known = KnownSet.load(ctx.stateDir, s.spec.url, epoch);
    try {
      const res = await pushObjects(s.backend, s.local, named.hashes, known, {
        jobs: s.jobs,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      let runCache: PushReport['runCache'] = null;
      if (opts.runCache && !res.interrupted) {
        const skip = new Set([...res.missingLocal, ...res.heldBack]);
        let uploaded = 0;
        const there = new Map<string, number>();
        for await (const page of s.backend.list(RUNCACHE_PREFIX)) for (const e of page) there.set(e.key, e.size);
        for (const [key, outs] of entries) {
          // An entry goes up only when every object it names is on the remote.
          const hashes = Object.values(outs).map((o) => o.hash);
          if (hashes.some((h) => skip.has(h) || !known.has(h))) continue;
          const name = runCacheKey(sha256(key));
          const body = Buffer.from(JSON.stringify({ k: key, o: outs }) + '\n');
          if (there.get(name) === body.length) continue;
          await s.backend.putBytes(name, body);
          uploaded++;
        }
        runCache = { entries: entries.length + checked.bad.length, uploaded, skipped: checked.bad };
      }
      mark('push: objects pushed');
      const { interrupted, ...objects } = res;
      const runs =
        opts.runs === false || interrupted
          ? null
          : await pushRunsAfterObjects(ctx.root, s.spec.name, res, { ...opts, resolved: gitRemote });
      mark('push: run records');
      return { remote: { name: s.spec.name, url: s.spec.url }, revisions: named.revisions, objects, runCache, runs, interrupted };
    } finally {
      known.close();
    }
  } finally {
    s.backend.close();
  }
}

/**
 * The run records go to the Git remote after the objects went up. When Git fails (a read-only
 * origin, no access, a network error), the objects stay pushed: the error says so, and how to
 * finish (the objects need not go up again).
 */
async function pushRunsAfterObjects(
  root: string,
  remoteName: string,
  res: PushResult,
  opts: PushOptions & { resolved?: Promise<GitRemote> },
): Promise<RunsPushReport> {
  try {
    return await pushRuns(root, { gitRemote: opts.gitRemote, signal: opts.signal, resolved: opts.resolved });
  } catch (e) {
    if (!isReproError(e, 'E_GIT')) throw e;
    const git = opts.gitRemote ?? 'origin';
    throw new ReproError(
      'E_GIT',
      `the objects were pushed to remote '${remoteName}' (${res.uploaded} uploaded, ${res.present} already there), the run records were not: ${e.message}`,
      {
        hint: `fix the Git remote '${git}' and run 'repro push --runs-only', or push the objects alone with 'repro push --no-runs'${e.hint ? ` (${e.hint})` : ''}`,
        cause: e,
      },
    );
  }
}
