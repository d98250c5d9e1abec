import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../core/atomic.js';
import { hashData, sha256 } from '../../core/canonical.js';
import { isErrno } from '../../core/errors.js';
import { absPath, storedPathProblem } from '../../core/paths.js';
import { captureEnv } from '../../env/index.js';
import { CONFIG_FILE } from '../../config/config.js';
import { LOCK_FILE, observedOk, type LockFile } from '../../lock/index.js';
import { PIPELINE_FILE, type Pipeline } from '../../pipeline/index.js';
import type { Observed } from '../../model/key.js';
import type { RunOptions, StageResult } from '../../model/run.js';
import { VERSION } from '../../version.js';
import type { RepoContext } from '../context.js';

/**
 * The no-op summary (`.repro/noop-summary.json`): what lets `repro run` and `repro status` on an
 * unchanged workspace answer "everything is up to date" with one stat per path, without loading
 * the pipeline, reading the lock, hashing anything or computing a stage key (as make does).
 *
 * Written at the end of a full evaluation that found every stage up to date (or frozen) and
 * changed nothing: no lock write, no stage run or restored, no `.gitignore` rewrite. It holds
 * each stage's result (name, status, key, seed) and the stat signature (cache/pathsig.ts) of every
 * path that evaluation read or checked:
 * - the inputs of the pipeline and the lock: repro.yaml, repro.lock, .exprc, every params and
 *   vars file read (`pipeline.paramsData`, missing ones included: creating one is a change),
 *   every `locks:` file;
 * - every stage's deps and outs, by content (a directory by every file in it);
 * - every parent directory of those and of each `wdir`, and each `wdir`, by kind: what the symlink
 *   guard (pipeline/symlinks.ts) and the wdir check (pipeline/wdir.ts) decide from;
 * - for a summary written by `repro run`, the root `.gitignore` (the run's output lines are in it).
 * Its key also holds what is not a file: this build of repro (VERSION and the module file's size
 * and mtime, so a rebuilt repro never trusts an older one's verdicts), the repository root, the
 * uid, the `env.capture` patterns with the hash of what they capture from this environment (the
 * only part of a stage key not read from a file: `env.tools` are probed for the record only), and
 * whether it was written by a run (`repro status` neither screens params for secrets nor syncs
 * `.gitignore`, so a run trusts only a run's summary; status trusts either).
 *
 * Why that is enough: a stage's freshness is a function of its key components (cmd, wdir, seed,
 * outs from repro.yaml; params from the params files; `locks:` and deps by content; the captured
 * environment), its lock entry, and its outputs' content; loading can fail only on the files and
 * path kinds above. Every one is in the key. The signatures are taken after the evaluation with
 * `tRef` the moment the command started, and the summary is not written when any is racy (a
 * timestamp within the timestamp granularity of that moment) or unusable, nor when any parent
 * directory of a recorded path changed since then. So every recorded inode, and every directory
 * naming one, was last changed before the evaluation began: the evaluation saw exactly what the
 * signatures describe. Later, equal signatures mean unchanged inodes at the same paths (any
 * change sets a newer ctime); one difference, or a summary that is unreadable, of another
 * version or malformed, and the full evaluation runs (and rewrites or removes the summary).
 * Assumed, as git and the stat cache assume: a clock that does not step back, and a file system
 * that sets ctime on every change (rename included).
 *
 * Never used with anything that changes what a run does: targets, `--force`, `--downstream`,
 * `-S`, `--seed`, a sweep, a stale lock taken over, or leftovers in `.repro/held/`.
 */

const FILE = 'noop-summary.json';
const FORMAT = 2;
const KEY = /^[0-9a-f]{64}$/;

/**
 * On disk, compact on purpose (at 10,000 stages an array per path and per stage made parsing and
 * collecting it a third of the check): paths as one string, `c<path>` or `k<path>` a line; `sigs`
 * the sha256 of their signatures, one a line in that order; the stages as parallel columns.
 */
interface Summary {
  v: number;
  build: string;
  root: string;
  uid: number;
  byRun: boolean;
  capture: string[];
  env: string;
  paths: string;
  sigs: string;
  /** Stage names, one a line, in the order `run` reports them. */
  names: string;
  /** One character a stage: `u` up to date, `f` frozen. */
  statuses: string;
  /** The stage keys, 64 hex characters each, concatenated. */
  keys: string;
  seeds: (number | null)[];
  observed: Record<string, Observed>;
}

export interface SummaryHit {
  stages: StageResult[];
  observed: Record<string, Observed>;
}

/** True when `opts` ask for nothing but bringing every stage up to date (see the module comment). */
export function summaryApplies(opts: RunOptions): boolean {
  return (
    !opts.force &&
    !opts.downstream &&
    !(opts.targets && opts.targets.length) &&
    !(opts.overrides && opts.overrides.length) &&
    opts.seed === undefined &&
    !opts.recordExtras
  );
}

/** The summary's result when it is valid for this workspace and environment, else undefined. */
export async function readSummary(ctx: RepoContext, opts: { byRun: boolean; env?: NodeJS.ProcessEnv }): Promise<SummaryHit | undefined> {
  const s = load(ctx);
  if (!s) return undefined;
  if (s.build !== buildId() || s.root !== ctx.root || s.uid !== uid() || (opts.byRun && !s.byRun)) return undefined;
  if (s.env !== envHash(s.capture, opts.env)) return undefined; // another environment: keep it for the one it holds
  const lines = s.paths === '' ? [] : s.paths.split('\n');
  for (const l of lines) if ((l[0] !== 'c' && l[0] !== 'k') || storedPathProblem(l.slice(1)) !== undefined) return undefined;
  const base = ctx.root.endsWith(sep) ? ctx.root : ctx.root + sep; // each path checked canonical just above
  const sigs: string[] = [];
  for (const l of lines) {
    const got = ctx.cache.pathSignature(base + l.slice(1), l[0] === 'c' ? 'content' : 'kind');
    const now = got instanceof Promise ? await got : got;
    if (!now.usable) return stale(ctx);
    sigs.push(now.sig);
  }
  if (sha256(sigs.join('\n')) !== s.sigs) return stale(ctx);
  const names = s.names === '' ? [] : s.names.split('\n');
  return {
    stages: names.map((name, i) => ({
      name,
      status: s.statuses[i] === 'f' ? 'frozen' : 'up-to-date',
      reasons: [],
      seed: s.seeds[i]!,
      key: s.keys.slice(i * 64, i * 64 + 64),
    })),
    observed: s.observed,
  };
}

/** Something changed: stale for good (every change moves a ctime forward), so no later command reads it in vain. */
function stale(ctx: RepoContext): undefined {
  removeSummary(ctx);
  return undefined;
}

/**
 * Record the summary after a full evaluation whose every stage is `results` (up to date or
 * frozen; the caller checks that nothing else happened). `tRef`: when the command started.
 * Best effort: not written (and an old one removed) when a signature is racy or unusable.
 */
export async function writeSummary(
  ctx: RepoContext,
  p: Pipeline,
  lock: LockFile,
  results: StageResult[],
  opts: { byRun: boolean; tRef: number; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const file = join(ctx.stateDir, FILE);
  const content = new Set<string>([PIPELINE_FILE, LOCK_FILE, CONFIG_FILE, ...p.paramsData.keys(), ...p.locks]);
  if (opts.byRun) content.add('.gitignore');
  const kinds = new Set<string>();
  const named: string[] = [...content];
  for (const s of p.stages) {
    for (const d of s.deps) {
      content.add(d.path);
      named.push(d.path);
    }
    for (const o of s.outs) {
      content.add(o.path);
      named.push(o.path);
    }
    if (s.wdir !== '') {
      kinds.add(s.wdir);
      named.push(s.wdir);
    }
  }
  for (const n of named) for (let i = n.indexOf('/'); i > 0; i = n.indexOf('/', i + 1)) kinds.add(n.slice(0, i));
  const paths: string[] = [];
  const sigs: string[] = [];
  const take = async (rel: string, role: 'c' | 'k'): Promise<boolean> => {
    if (storedPathProblem(rel) !== undefined || rel.includes('\n')) return false;
    const s = await ctx.cache.pathSignature(absPath(ctx.root, rel), role === 'c' ? 'content' : 'kind', opts.tRef);
    if (!s.usable || s.racy) return false;
    paths.push(role + rel);
    sigs.push(s.sig);
    return true;
  };
  let ok = results.every((r) => r.key !== undefined && KEY.test(r.key) && !r.name.includes('\n'));
  if (ok) for (const rel of content) if (!(ok = await take(rel, 'c'))) break;
  if (ok) for (const rel of kinds) if (!(ok = await take(rel, 'k'))) break;
  // A directory holding a recorded path, changed since the command started: something there was
  // created, removed or renamed meanwhile (a file renamed into place may keep its ctime).
  if (ok) ok = parentsSettled(ctx.root, content, kinds, opts.tRef);
  if (!ok) return removeSummary(ctx);
  const observed: Record<string, Observed> = {};
  for (const r of results) {
    const o = lock.stages[r.name]?.observed;
    if (o && o.class !== 'deterministic') observed[r.name] = o;
  }
  const s: Summary = {
    v: FORMAT,
    build: buildId(),
    root: ctx.root,
    uid: uid(),
    byRun: opts.byRun,
    capture: p.envCapture,
    env: envHash(p.envCapture, opts.env),
    paths: paths.join('\n'),
    sigs: sha256(sigs.join('\n')),
    names: results.map((r) => r.name).join('\n'),
    statuses: results.map((r) => (r.status === 'frozen' ? 'f' : 'u')).join(''),
    keys: results.map((r) => r.key).join(''),
    seeds: results.map((r) => r.seed),
    observed,
  };
  try {
    await writeFileAtomic(file, JSON.stringify(s), { fsync: false });
  } catch (e) {
    // Only an optimisation: a read-only or foreign-owned `.repro/` keeps the full evaluation.
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'EACCES') && !isErrno(e, 'EPERM') && !isErrno(e, 'EROFS')) throw e;
  }
}

/** Drop the summary (it no longer matches, or cannot be rewritten to): the next command does not read it in vain. */
export function removeSummary(ctx: RepoContext): void {
  try {
    unlinkSync(join(ctx.stateDir, FILE));
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'EACCES') && !isErrno(e, 'EPERM') && !isErrno(e, 'EROFS')) throw e;
  }
}

function parentsSettled(root: string, content: Set<string>, kinds: Set<string>, tRef: number): boolean {
  const dirs = new Set<string>(['']);
  for (const set of [content, kinds]) {
    for (const rel of set) {
      const i = rel.lastIndexOf('/');
      if (i > 0) dirs.add(rel.slice(0, i));
    }
  }
  for (const d of dirs) {
    let st;
    try {
      st = statSync(d === '' ? root : absPath(root, d), { throwIfNoEntry: false });
    } catch (e) {
      if (isErrno(e, 'ENOTDIR')) continue; // missing; the path's own signature names its parent
      throw e;
    }
    if (!st) continue;
    const margin = st.mtimeMs % 1000 === 0 && st.ctimeMs % 1000 === 0 ? 2000 : 50;
    if (!(Math.max(st.mtimeMs, st.ctimeMs) < tRef - margin)) return false;
  }
  return true;
}

function load(ctx: RepoContext): Summary | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(join(ctx.stateDir, FILE), 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError || isErrno(e, 'ENOENT') || isErrno(e, 'EACCES') || isErrno(e, 'EISDIR') || isErrno(e, 'EPERM'))
      return undefined;
    throw e;
  }
  return valid(data) ? data : undefined;
}

/** The shape, checked field by field: a summary is local state, but a corrupt one must not be trusted. */
function valid(d: unknown): d is Summary {
  if (typeof d !== 'object' || d === null) return false;
  const s = d as Partial<Summary>;
  if (s.v !== FORMAT || typeof s.build !== 'string' || typeof s.root !== 'string' || typeof s.uid !== 'number') return false;
  if (typeof s.byRun !== 'boolean' || typeof s.env !== 'string' || typeof s.sigs !== 'string') return false;
  if (!Array.isArray(s.capture) || !s.capture.every((c) => typeof c === 'string')) return false;
  if (typeof s.observed !== 'object' || s.observed === null || Array.isArray(s.observed)) return false;
  if (!Object.values(s.observed).every(observedOk)) return false;
  if (typeof s.paths !== 'string' || typeof s.names !== 'string' || typeof s.statuses !== 'string' || typeof s.keys !== 'string')
    return false;
  const n = s.names === '' ? 0 : s.names.split('\n').length;
  if (!Array.isArray(s.seeds) || s.seeds.length !== n || s.statuses.length !== n || s.keys.length !== n * 64) return false;
  if (!/^[uf]*$/.test(s.statuses) || !/^[0-9a-f]*$/.test(s.keys)) return false;
  return s.seeds.every((x) => x === null || typeof x === 'number');
}

function envHash(capture: string[], env: NodeJS.ProcessEnv = process.env): string {
  return hashData(captureEnv(capture, env));
}

function uid(): number {
  return process.getuid?.() ?? -1;
}

let build: string | undefined;
/** This build of repro: its version and this module file's size and mtime (the bundle, when bundled). */
function buildId(): string {
  if (build !== undefined) return build;
  let file = '';
  try {
    const st = statSync(fileURLToPath(import.meta.url));
    file = `${st.size}-${st.mtimeMs}`;
  } catch {
    // no file to stat (an unusual loader): the version alone
  }
  return (build = `${VERSION} ${file}`);
}
