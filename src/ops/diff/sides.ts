import { ReproError, isReproError } from '../../core/errors.js';
import type { EnvFingerprint } from '../../env/index.js';
import { emptyLock, type LockFile } from '../../lock/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { findRepo, resolveRevision, type RepoInfo } from '../../record/index.js';
import { matchRunName } from '../records/resolve.js';
import type { RepoContext } from '../context.js';
import { loadRuns, runMatchesLock, type LoadedRun } from './run-records.js';
import { combineMetrics, type MetricSource, type SideMetric } from './side-metrics.js';
import {
  outPaths,
  readDependencyLocks,
  readMetricFiles,
  readPlotDirs,
  readPlots,
  readSideParams,
  sideLock,
  sidePipeline,
  treeSource,
  workspaceSource,
  type FileSource,
  type SideProblem,
} from './side-files.js';

export type { SideMetric, MetricSource } from './side-metrics.js';
export type { SideProblem } from './side-files.js';

/**
 * One side of a comparison (`repro diff A B`, `repro verify --base REF`): everything known about
 * a revision, a run or the workspace, read the same way for each.
 *
 *   const ctx = await openContext(cwd);
 *   const base = await loadSide(ctx, 'main');   // a Git revision, or a run id
 *   const head = await loadSide(ctx, null);     // the workspace
 *   base.metrics['metrics.json:accuracy']       // { values: [0.91, 0.93, ...], seeds: [1, 2, ...] }
 *
 * Fields:
 * - `label`: the revision as given, or 'workspace'.
 * - `kind`: 'workspace', 'commit' (a Git revision) or 'run' (a run id, or a run commit's sha).
 * - `commit`: the commit whose tree was read: the revision's commit, or for a run its run commit
 *   under refs/repro/runs/ (the run's own snapshot, uncommitted edits included); null for the workspace.
 * - `params`: every params file the pipeline reads, and params.yaml, flattened:
 *   "file:dotted.key" → value (lists are values).
 * - `metrics`: "path:dotted.key" → values with their seeds, one per run. Finding the runs:
 *   a revision's runs are the successful run records whose stage keys, seed left out, equal its
 *   repro.lock's (runs are usually made before the commit that holds their results, so parents
 *   do not find them); the workspace's likewise against the current repro.lock; a run id's are the
 *   run and its sweep siblings. Without run refs (a fresh clone) the lock's `seed_metrics` give
 *   the values of the last sweep, and without those the metrics files give one value.
 *   Recorded values (runs, seed_metrics) describe a metrics file only while it hashes to what the
 *   side's repro.lock records for it; otherwise its values are the file's, as one run (see
 *   `drifted`). The workspace's metrics are therefore always what is on disk: a deleted file has
 *   none. A revision whose tree lacks a metrics file keeps the recorded values (the file may be
 *   git-ignored). A run side is its record.
 * - `samples`: distributions: number lists inside metrics files ("path:dotted.key") and numeric
 *   columns of `plots:` files ("path:column", "path" for a bare list; each data file of a plots
 *   directory on its own). From the side's files only.
 * - `lock`: the side's repro.lock, null when it has none.
 * - `env`: the environment of the newest run used; for the workspace without runs, this machine's
 *   fingerprint now; else null.
 * - `runs`: ids of the runs whose values are in `metrics`, newest first.
 * Additions beyond the contract: `pipeline` (null without repro.yaml), `sources` of the metric
 * values, `problems` (unreadable files, non-numeric metrics: shown as marked rows, not thrown),
 * `dependencyLocks` (path → text of requirements.txt, package-lock.json, ...), `plotDirs` (each
 * plots directory: file → content hash, so diff compares it file by file), `drifted`
 * (metrics files that repro.lock records but that no longer hash to it: edited or, `missing`,
 * deleted since the last run; their values were read from the file).
 *
 * `HEAD` in a repository without commits is an empty side (no files, an empty lock, commit
 * null), so the workspace compares against nothing: everything shows as added.
 *
 * Errors: an unknown revision or run id is `E_NOT_FOUND`; a broken workspace repro.yaml is the
 * error `repro run` would give. Broken files at a revision are problems, not errors.
 */
export interface Side {
  label: string;
  kind: 'workspace' | 'commit' | 'run';
  commit: string | null;
  params: Record<string, unknown>;
  metrics: Record<string, SideMetric>;
  samples: Record<string, number[]>;
  lock: LockFile | null;
  env: EnvFingerprint | null;
  runs: string[];
  pipeline: Pipeline | null;
  sources: MetricSource[];
  problems: SideProblem[];
  dependencyLocks: Record<string, string>;
  drifted: { path: string; missing: boolean }[];
  plotDirs: Record<string, Record<string, string>>;
}

/**
 * `probeEnv: false` skips probing this machine for a workspace side with no matching run
 * (verify needs only metrics; the probes are child processes).
 */
export async function loadSide(ctx: RepoContext, rev: string | null, opts: { probeEnv?: boolean } = {}): Promise<Side> {
  const repo = await findRepo(ctx.root);
  const all = await loadRuns(repo);
  if (rev === null)
    return readSide(ctx, { label: 'workspace', kind: 'workspace', commit: null, src: workspaceSource(ctx.root) }, all, opts);
  const named = all.find((r) => r.ref.id === rev) ?? (await runByCommit(repo, rev, all)) ?? (await runByName(repo, rev, all));
  if (named) {
    const sweepId = named.record.sweep?.id;
    const siblings = sweepId ? all.filter((r) => r.record.sweep?.id === sweepId && (r === named || r.record.status === 'ok')) : [named];
    return readSide(
      ctx,
      { label: rev, kind: 'run', commit: named.ref.commit, src: treeSource(repo, named.ref.commit), runs: siblings, env: named.record.env },
      all,
      opts,
    );
  }
  const commit = await resolve(repo, rev);
  if (commit === null) return unbornHead();
  return readSide(ctx, { label: rev, kind: 'commit', commit, src: treeSource(repo, commit) }, all, opts);
}

interface SideSource {
  label: string;
  kind: Side['kind'];
  commit: string | null;
  src: FileSource;
  /** a run side's runs; otherwise found by matching the lock */
  runs?: LoadedRun[];
  env?: EnvFingerprint;
}

async function readSide(ctx: RepoContext, w: SideSource, all: LoadedRun[], opts: { probeEnv?: boolean }): Promise<Side> {
  const problems: SideProblem[] = [];
  const pipeline = await sidePipeline(w.src, ctx.root, w.kind === 'workspace', problems);
  const lock = await sideLock(w.src, problems);
  if (!lock && !problems.some((p) => p.key === 'repro.lock')) {
    problems.push({ key: 'repro.lock', message: 'no repro.lock: outputs and stage keys are not compared' });
  }
  const runs = w.runs ?? (lock ? all.filter((r) => runMatchesLock(r.record, lock)) : []);
  const metricPaths = outPaths(pipeline, lock, 'metric');
  const { hashes, data: files } = await readMetricFiles(w.src, metricPaths, problems);
  const drift = w.kind === 'run' ? { paths: new Set<string>(), recorded: [] } : driftedMetrics(hashes, lock, w.kind === 'workspace');
  const combined = combineMetrics({
    files,
    // A run side is its runs only: the seed_metrics in its lock snapshot may come from other runs.
    seedMetricsFrom: w.kind === 'run' ? null : lock,
    runs,
    metricPaths,
    lock,
    drifted: drift.paths,
  });
  const samples: Record<string, number[]> = {};
  for (const [path, d] of files) for (const [k, v] of Object.entries(d.samples)) samples[`${path}:${k}`] = v;
  const plotPaths = outPaths(pipeline, lock, 'plot');
  Object.assign(samples, await readPlots(w.src, plotPaths, problems));
  const newest = runs.find((r) => combined.runs.includes(r.ref.id));
  let env = w.env ?? newest?.record.env ?? null;
  if (!env && w.kind === 'workspace' && opts.probeEnv !== false) {
    const { machineFingerprint, fingerprintTools } = await import('../records/environment.js');
    env = await machineFingerprint(fingerprintTools(ctx, pipeline), ctx.root);
  }
  return {
    label: w.label,
    kind: w.kind,
    commit: w.commit,
    params: await readSideParams(w.src, pipeline, problems),
    metrics: combined.metrics,
    samples,
    lock,
    env,
    runs: combined.runs,
    pipeline,
    sources: combined.sources,
    problems,
    dependencyLocks: await readDependencyLocks(w.src, pipeline, lock),
    drifted: drift.recorded,
    plotDirs: await readPlotDirs(w.src, plotPaths),
  };
}

/**
 * The metrics files whose recorded values do not describe the side's file: it does not hash to
 * what `lock` records (`recorded`, reported), or the lock records nothing for it (silently: no
 * record describes it either). An absent file counts only in the workspace (`absentCounts`).
 */
function driftedMetrics(
  hashes: Map<string, string | null>,
  lock: LockFile | null,
  absentCounts: boolean,
): { paths: Set<string>; recorded: Side['drifted'] } {
  const lockHash = new Map<string, string>();
  for (const e of Object.values(lock?.stages ?? {})) for (const [p, o] of Object.entries(e.out_hashes ?? {})) lockHash.set(p, o.hash);
  const paths = new Set<string>();
  const recorded: Side['drifted'] = [];
  for (const [path, hash] of hashes) {
    if (hash === null && !absentCounts) continue;
    const want = lockHash.get(path);
    if (hash === want) continue;
    if (want === undefined && hash === null) continue; // neither recorded nor there: nothing to describe
    paths.add(path);
    if (want !== undefined) recorded.push({ path, missing: hash === null });
  }
  return { paths, recorded };
}

/** HEAD of a repository with no commits: nothing on that side, so everything else is added. */
function unbornHead(): Side {
  return {
    label: 'HEAD',
    kind: 'commit',
    commit: null,
    params: {},
    metrics: {},
    samples: {},
    lock: emptyLock(),
    env: null,
    runs: [],
    pipeline: null,
    sources: [],
    problems: [{ key: '', message: 'no commits yet: compared against nothing' }],
    dependencyLocks: {},
    drifted: [],
    plotDirs: {},
  };
}

/** A revision that names a run commit directly (its sha) is that run. */
async function runByCommit(repo: RepoInfo, rev: string, all: LoadedRun[]): Promise<LoadedRun | undefined> {
  if (all.length === 0) return undefined;
  let commit: string;
  try {
    commit = await resolveRevision(repo, rev);
  } catch (e) {
    if (isReproError(e, 'E_NOT_FOUND')) return undefined;
    throw e;
  }
  return all.find((r) => r.ref.commit === commit);
}

/**
 * A run named as `show` and `replay` accept one (`latest`, a unique prefix or suffix of a run id),
 * when `rev` is no revision: a branch or commit keeps meaning the commit, with its matched runs.
 */
async function runByName(repo: RepoInfo, rev: string, all: LoadedRun[]): Promise<LoadedRun | undefined> {
  const byName = matchRunName(
    all.map((r) => r.ref),
    rev,
  );
  if (byName.length !== 1) return undefined;
  try {
    await resolveRevision(repo, rev);
    return undefined;
  } catch (e) {
    if (!isReproError(e, 'E_NOT_FOUND')) throw e;
  }
  return all.find((r) => r.ref === byName[0]);
}

/** The revision's commit; null for HEAD in a repository without commits (unborn HEAD). */
async function resolve(repo: RepoInfo, rev: string): Promise<string | null> {
  try {
    return await resolveRevision(repo, rev);
  } catch (e) {
    if (!isReproError(e, 'E_NOT_FOUND')) throw e;
    if (rev === 'HEAD' && repo.head === null && repo.branch !== null) return null; // unborn: no commits yet
    throw new ReproError('E_NOT_FOUND', `unknown revision or run id: '${rev}'`, {
      hint: 'give a branch, tag or commit (git log), or a run id (repro log)',
    });
  }
}
