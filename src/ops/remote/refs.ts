import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
 * - fetch: into a staging namespace of its own (`refs/repro/incoming/<pid>-<hex>/`), then one
 *   `git update-ref --stdin` transaction: an incoming run whose name is new locally is created
 *   under `refs/repro/runs/`; the same commit under the same name is nothing; a different commit
 *   under a name we hold is kept beside ours as `<id>.from-<remote>-<oid8>` and reported. A local
 *   record is never overwritten. The staging refs are deleted in the same transaction.
 */

export const INCOMING_PREFIX = 'refs/repro/incoming/';
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

/** The Git remote to use, or the reason to skip: `origin` missing is a skip, a named one an error. */
async function resolveGitRemote(root: string, name: string | undefined): Promise<{ remote: string; skipped: string | null }> {
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
  const { remote, skipped } = await resolveGitRemote(root, opts.gitRemote);
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
    else if (m[1] === '!') base.rejected.push({ id, reason: m[4]!.replace(/^\[rejected\]\s*/, '') });
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
  const { remote, skipped } = await resolveGitRemote(root, opts.gitRemote);
  const report: RunsFetchReport = { gitRemote: remote, skipped, remote: 0, added: 0, unchanged: 0, conflicts: [], rejected: [] };
  if (skipped) return report;
  const stage = `${INCOMING_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}/`;
  const r = await git(root, ['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', remote, `+${RUNS_SPEC}:${stage}*`], {
    signal: opts.signal,
  });
  try {
    if (r.code === 130 && opts.signal?.aborted) throw new ReproError('E_INTERRUPTED', 'interrupted while fetching run records');
    if (r.code !== 0) {
      throw new ReproError('E_GIT', `git fetch of run records from '${remote}' failed: ${lastLines(r.stderr)}`, {
        hint: `check that 'git fetch ${remote}' works from this repository (credentials, network)`,
      });
    }
    const incoming = await listRefs(root, stage);
    const local = await listRefs(root, RUNS_PREFIX);
    report.remote = incoming.size;
    const lines: string[] = [];
    const tag = remote.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'remote';
    for (const [ref, oid] of [...incoming].sort()) {
      const id = ref.slice(stage.length);
      if (!isValidRunId(id)) {
        report.rejected.push(id);
        continue;
      }
      const mine = local.get(RUNS_PREFIX + id);
      if (mine === oid) report.unchanged++;
      else if (mine === undefined) {
        lines.push(`create ${RUNS_PREFIX}${id} ${oid}`);
        report.added++;
      } else {
        const keptAs = `${id}.from-${tag}-${oid.slice(0, 8)}`;
        const there = local.get(RUNS_PREFIX + keptAs);
        if (there === undefined) lines.push(`create ${RUNS_PREFIX}${keptAs} ${oid}`);
        report.conflicts.push({ id, local: mine, incoming: oid, keptAs });
      }
    }
    if (lines.length) {
      const u = await git(root, ['update-ref', '--stdin'], { input: lines.join('\n') + '\n' });
      if (u.code !== 0) throw new ReproError('E_GIT', `storing fetched run records failed: ${lastLines(u.stderr)}`);
      // Thousands of loose ref files slow every ref listing; packed-refs is one file.
      if (lines.length >= PACK_AFTER) await git(root, ['pack-refs', '--all']);
    }
  } finally {
    await dropStaging(root, stage);
  }
  return report;
}

async function dropStaging(root: string, stage: string): Promise<void> {
  const refs = await listRefs(root, stage).catch(() => new Map<string, string>());
  if (!refs.size) return;
  await git(root, ['update-ref', '--stdin'], { input: [...refs.keys()].map((r) => `delete ${r}`).join('\n') + '\n' });
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
