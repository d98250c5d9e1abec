import { spawn } from 'node:child_process';
import { ReproError } from '../../core/errors.js';
import { isValidRunId, RUNS_PREFIX } from '../../record/index.js';
import { openContext } from '../context.js';

/**
 * Run records through the Git remote, with the system `git` (so every transport and credential
 * helper the user already has works: ssh, https with a helper, a file path; isomorphic-git has no
 * ssh). Only `refs/repro/runs/*` ever moves; none of the user's other refs.
 *
 * - push: `git push --no-verify --porcelain REMOTE refs/repro/runs/*:refs/repro/runs/*`, never
 *   forced, so a name the remote already holds with another commit is rejected and reported, not
 *   overwritten. `--no-verify`: the pre-push hook `repro install-hooks` writes runs `repro push`,
 *   which would otherwise call itself.
 * - fetch: `git ls-remote` first and compare with the local run refs, then one `git fetch --stdin`
 *   of only what is missing, never forced: a run whose name is new here is fetched under its
 *   name; the same commit under the same name costs nothing (a fetch with nothing new is one
 *   ls-remote); a different commit under a name we hold is fetched beside ours as
 *   `<id>.from-<remote>-<oid8>` and reported. A local record is never overwritten. (A staging
 *   namespace fetched whole and compared afterwards cost 15 s for 10,000 runs with nothing new:
 *   10,000 loose refs written and deleted.)
 */

const RUNS_SPEC = `${RUNS_PREFIX}*`;
/** Past this many refs created by one fetch, `git pack-refs` folds loose refs into packed-refs. */
const PACK_AFTER = 500;

export interface RunsPushReport {
  gitRemote: string;
  /** Null when the push ran; else why it did not (no Git remote, no runs). */
  skipped: string | null;
  local: number;
  pushed: number;
  upToDate: number;
  /** Names the remote holds with another commit (or refused for another reason). */
  rejected: { id: string; reason: string }[];
}

export interface RunsFetchConflict {
  id: string;
  local: string;
  incoming: string;
  /** The name the incoming record was kept under. */
  keptAs: string;
}

export interface RunsFetchReport {
  gitRemote: string;
  skipped: string | null;
  /** Run refs the remote has. */
  remote: number;
  /** New run ids now here. */
  added: number;
  unchanged: number;
  conflicts: RunsFetchConflict[];
  /** Remote ref names that are not valid run ids (e.g. nested), left out. */
  rejected: string[];
}

export interface RunRefsOptions {
  /** The Git remote (a name or URL); default `origin`, skipped with a reason when absent. */
  gitRemote?: string;
  signal?: AbortSignal;
  /** `gitRemote` already being looked up (`lookUpGitRemote`). */
  resolved?: Promise<GitRemote>;
}

export interface GitRemote {
  remote: string;
  /** Why the run records are not moved (no Git remote 'origin'), or null. */
  skipped: string | null;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function git(cwd: string, args: string[], opts: { input?: string; signal?: AbortSignal } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // Never stop a non-interactive run on a password prompt; a helper or ssh agent still works.
      env: { ...process.env, GIT_TERMINAL_PROMPT: process.env.GIT_TERMINAL_PROMPT ?? (process.stdin.isTTY ? '1' : '0') },
      signal: opts.signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') reject(new ReproError('E_GIT', "'git' not found", { hint: 'install Git' }));
      else if (e.name === 'AbortError') resolve({ code: 130, stdout, stderr });
      else reject(e);
    });
    child.on('close', (code) => resolve({ code: code ?? 130, stdout, stderr }));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join('; ');
}

/**
 * Start looking up the Git remote now (a `git remote get-url`, ~5 ms) and await it later, as
 * `RunRefsOptions.resolved`: push and fetch start it before moving objects instead of waiting
 * for it after. A failure (no such remote: E_USAGE) is thrown where it is awaited.
 */
export function lookUpGitRemote(root: string, name: string | undefined): Promise<GitRemote> {
  const p = resolveGitRemote(root, name);
  p.catch(() => undefined); // handled where awaited; a transfer that fails first leaves no unhandled rejection
  return p;
}

/** The Git remote to use, or the reason to skip: `origin` missing is a skip, a named one an error. */
async function resolveGitRemote(root: string, name: string | undefined): Promise<GitRemote> {
  const remote = name ?? 'origin';
  const r = await git(root, ['remote', 'get-url', remote]);
  if (r.code === 0) return { remote, skipped: null };
  if (name === undefined) return { remote, skipped: "no Git remote 'origin'" };
  if (/[:/]/.test(name)) return { remote, skipped: null }; // a URL or a path: git takes it as it is
  throw new ReproError('E_USAGE', `no such Git remote: '${name}'`, {
    hint: `git remote add ${name} URL, or give --git-remote an existing remote (git remote -v)`,
  });
}

async function listRefs(root: string, prefix: string): Promise<Map<string, string>> {
  const r = await git(root, ['for-each-ref', '--format=%(objectname) %(refname)', prefix]);
  if (r.code !== 0) throw new ReproError('E_GIT', `git for-each-ref failed: ${lastLines(r.stderr)}`);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0) out.set(line.slice(i + 1), line.slice(0, i));
  }
  return out;
}

/** Push every local run ref the remote lacks. Never forced; never any other ref. */
export async function pushRuns(root: string, opts: RunRefsOptions = {}): Promise<RunsPushReport> {
  const { remote, skipped } = await (opts.resolved ?? resolveGitRemote(root, opts.gitRemote));
  const base: RunsPushReport = { gitRemote: remote, skipped, local: 0, pushed: 0, upToDate: 0, rejected: [] };
  if (skipped) return base;
  base.local = (await listRefs(root, RUNS_PREFIX)).size;
  if (base.local === 0) return { ...base, skipped: 'no run records' };
  const r = await git(root, ['push', '--no-verify', '--porcelain', remote, `${RUNS_SPEC}:${RUNS_SPEC}`], { signal: opts.signal });
  if (r.code === 130 && opts.signal?.aborted) throw new ReproError('E_INTERRUPTED', 'interrupted while pushing run records');
  // --porcelain: `<flag>\t<from>:<to>\t<summary>` per ref; `=` up to date, `!` rejected.
  for (const line of r.stdout.split('\n')) {
    const m = /^(.)\t([^:\t]*):([^\t]+)\t(.*)$/.exec(line);
    if (!m || !m[3]!.startsWith(RUNS_PREFIX)) continue;
    const id = m[3]!.slice(RUNS_PREFIX.length);
    if (m[1] === '=') base.upToDate++;
    else if (m[1] === '!') base.rejected.push({ id, reason: m[4]!.replace(/^\[(?:remote )?rejected\]\s*/, '') });
    else base.pushed++;
  }
  if (r.code !== 0 && base.rejected.length === 0) {
    throw new ReproError('E_GIT', `git push of run records to '${remote}' failed: ${lastLines(r.stderr)}`, {
      hint: `check that 'git push ${remote}' works from this repository (credentials, network, permissions)`,
    });
  }
  return base;
}

/** Fetch the remote's run refs without overwriting any local one (see the header). */
export async function fetchRuns(root: string, opts: RunRefsOptions = {}): Promise<RunsFetchReport> {
  const { remote, skipped } = await (opts.resolved ?? resolveGitRemote(root, opts.gitRemote));
  const report: RunsFetchReport = { gitRemote: remote, skipped, remote: 0, added: 0, unchanged: 0, conflicts: [], rejected: [] };
  if (skipped) return report;
  const ls = await git(root, ['ls-remote', '--refs', remote, `${RUNS_PREFIX}*`], { signal: opts.signal });
  interrupted(ls, opts.signal, 'fetching run records');
  if (ls.code !== 0) {
    throw new ReproError('E_GIT', `git ls-remote of run records on '${remote}' failed: ${lastLines(ls.stderr)}`, {
      hint: `check that 'git fetch ${remote}' works from this repository (credentials, network)`,
    });
  }
  const local = await listRefs(root, RUNS_PREFIX);
  const tag = remote.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'remote';
  const kept: string[] = []; // explicit refspecs: a clashing run, fetched under another name
  const excluded: string[] = []; // negative refspecs: names the glob must not touch
  const wanted = new Map<string, 'new' | 'kept'>(); // the local refs fetched into
  for (const line of ls.stdout.split('\n').sort()) {
    const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
    if (!m || !m[2]!.startsWith(RUNS_PREFIX)) continue;
    const [oid, ref] = [m[1]!, m[2]!];
    const id = ref.slice(RUNS_PREFIX.length);
    report.remote++;
    const mine = local.get(ref);
    if (!isValidRunId(id)) {
      report.rejected.push(id);
      excluded.push(`^${ref}`);
    } else if (mine === oid) report.unchanged++;
    else if (mine === undefined) wanted.set(ref, 'new');
    else {
      const into = `${RUNS_PREFIX}${id}.from-${tag}-${oid.slice(0, 8)}`;
      report.conflicts.push({ id, local: mine, incoming: oid, keptAs: into.slice(RUNS_PREFIX.length) });
      excluded.push(`^${ref}`);
      if (local.get(into) !== oid) {
        kept.push(`${ref}:${into}`);
        wanted.set(into, 'kept');
      }
    }
  }
  if (!wanted.size) return report;
  // One glob refspec for the new names (git matches 10,000 explicit refspecs against 10,000 refs
  // pairwise: minutes), minus every clashing or invalid name; never forced, so a name that
  // appeared here meanwhile is refused by git, not overwritten.
  // A negative refspec excludes by source name, so the clashing runs go in a second fetch.
  if (wanted.size > kept.length) await fetchSpecs(root, remote, [`${RUNS_SPEC}:${RUNS_SPEC}`, ...excluded], opts.signal);
  if (kept.length) await fetchSpecs(root, remote, kept, opts.signal);
  const now = await listRefs(root, RUNS_PREFIX);
  for (const [into, kind] of wanted) if (kind === 'new' && now.has(into)) report.added++;
  // Thousands of loose ref files slow every ref listing; packed-refs is one file.
  if (wanted.size >= PACK_AFTER) await git(root, ['pack-refs', '--all']);
  return report;
}

async function fetchSpecs(root: string, remote: string, specs: string[], signal?: AbortSignal): Promise<void> {
  const f = await git(root, ['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', '--stdin', remote], {
    input: specs.join('\n') + '\n',
    signal,
  });
  interrupted(f, signal, 'fetching run records');
  if (f.code !== 0) {
    throw new ReproError('E_GIT', `git fetch of run records from '${remote}' failed: ${lastLines(f.stderr)}`, {
      hint: `check that 'git fetch ${remote}' works from this repository (credentials, network)`,
    });
  }
}

function interrupted(r: GitResult, signal: AbortSignal | undefined, what: string): void {
  if (r.code === 130 && signal?.aborted) throw new ReproError('E_INTERRUPTED', `interrupted while ${what}`);
}

/** `repro fetch --runs-only`: the run records alone, no cache remote needed (cheap in CI). */
export async function fetchRunsOnly(opts: RunRefsOptions & { cwd: string }): Promise<{ runs: RunsFetchReport }> {
  const ctx = await openContext(opts.cwd);
  return { runs: await fetchRuns(ctx.root, opts) };
}

/** `repro push --runs-only`: the run records alone. */
export async function pushRunsOnly(opts: RunRefsOptions & { cwd: string }): Promise<{ runs: RunsPushReport }> {
  const ctx = await openContext(opts.cwd);
  return { runs: await pushRuns(ctx.root, opts) };
}
