import { ReproError } from '../core/errors.js';
import { mark } from '../core/timing.js';
import { gitText, runGit } from './git.js';
import type { RepoInfo } from './repoinfo.js';
import { isValidRunId } from './runid.js';

export interface Identity {
  name: string;
  email: string;
}

export interface WriteRunCommitOptions {
  repo: RepoInfo;
  runId: string;
  /** From `snapshotTree`. */
  tree: string;
  message: string;
  /** `[repo.head]`, or `[]` before the first commit. The first parent is the commit the run started from. */
  parents: string[];
  /** Default: as Git picks it (GIT_AUTHOR_NAME/EMAIL, else git config user.name/email), else 'repro <repro@localhost>'. */
  author?: Identity;
  time?: Date;
}

export const RUNS_PREFIX = 'refs/repro/runs/';

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** How long `update-ref` waits for a held `<ref>.lock` (Git's own retry loop): writers hold it for microseconds. */
const LOCK_WAIT_MS = 2000;

/**
 * Write the run's commit (`git commit-tree`, never signed) and create `refs/repro/runs/<runId>`
 * pointing at it (`git update-ref <ref> <new> ""`: compare-and-swap against "absent", under
 * Git's own ref locking, in any ref backend); returns the commit id. HEAD, branches, the index
 * and the work tree are never touched. An existing run with another commit is `E_RECORD`, the
 * same commit is success; a ref lock held past 2 s is `E_LOCKED`.
 */
export async function writeRunCommit(opts: WriteRunCommitOptions): Promise<string> {
  const { repo, runId, tree, parents } = opts;
  if (!isValidRunId(runId)) throw new ReproError('E_RECORD', `invalid run id: '${runId}'`);
  for (const oid of [tree, ...parents]) {
    if (!OID.test(oid)) throw new ReproError('E_RECORD', `invalid object id for a run commit: '${oid}'`);
  }
  const env: Record<string, string> = {};
  if (opts.author) {
    const clean = (s: string): string => s.replace(/[<>\n\r\0]/g, '').trim();
    for (const role of ['AUTHOR', 'COMMITTER']) {
      env[`GIT_${role}_NAME`] = clean(opts.author.name) || 'repro';
      env[`GIT_${role}_EMAIL`] = clean(opts.author.email);
    }
  }
  if (opts.time) env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = `@${Math.floor(opts.time.getTime() / 1000)} ${tz(opts.time)}`;
  // Git's last resort for an email is $EMAIL; without any identity it would refuse to commit.
  env.EMAIL = process.env.EMAIL || 'repro@localhost';
  const message = opts.message.endsWith('\n') ? opts.message : `${opts.message}\n`;
  const args = ['commit-tree', '--no-gpg-sign', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'];
  let r = await runGit(repo.root, args, { input: message, env });
  if (r.code !== 0 && /empty ident name|tell me who you are/i.test(r.stderr)) {
    for (const role of ['AUTHOR', 'COMMITTER']) env[`GIT_${role}_NAME`] ||= 'repro';
    r = await runGit(repo.root, args, { input: message, env });
  }
  if (r.code !== 0) throw new ReproError('E_GIT', `git commit-tree failed (${firstLine(r.stderr)}): '${repo.root}'`);
  const oid = r.stdout.toString('utf8').trim();
  await createRef(repo, RUNS_PREFIX + runId, oid);
  mark('record: commit and ref written');
  return oid;
}

async function createRef(repo: RepoInfo, ref: string, oid: string): Promise<void> {
  const r = await runGit(repo.root, ['-c', `core.filesRefLockTimeout=${LOCK_WAIT_MS}`, 'update-ref', '--no-deref', ref, oid, '']);
  if (r.code === 0) return;
  const current = await gitText(repo.root, ['for-each-ref', '--format=%(objectname)', ref]);
  if (current === oid) return;
  if (current !== '') {
    throw new ReproError('E_RECORD', `run record ref already exists with another commit: '${ref}'`, {
      hint: 'run ids are unique per run; create a new one with newRunId()',
    });
  }
  if (/\.lock'?: File exists|unable to lock|cannot lock/i.test(r.stderr)) {
    throw new ReproError('E_LOCKED', `ref is locked by another process: '${ref}'`, {
      hint: `if no git or repro process is running, remove '${ref}.lock' in the git dir`,
    });
  }
  throw new ReproError('E_GIT', `git update-ref failed (${firstLine(r.stderr)}): '${ref}'`);
}

function firstLine(stderr: string): string {
  return (stderr.split('\n').find((l) => /^(fatal|error):/.test(l)) ?? stderr.split('\n')[0] ?? '').replace(/^(fatal|error): /, '').trim();
}

/** `±hhmm` of the local time zone at `time`, as Git writes it. */
function tz(time: Date): string {
  const offset = -time.getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}
