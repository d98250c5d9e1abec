import { join } from 'node:path';
import { ReproError } from '../core/errors.js';
import { readMergedConfig } from './config.js';
import { writeLooseObject } from './objects.js';
import { createRefExclusive } from './refs.js';
import { commonDirOf, type RepoInfo } from './repoinfo.js';
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
  /** Default: GIT_AUTHOR_NAME/EMAIL, else git config user.name/email, else 'repro <repro@localhost>'. */
  author?: Identity;
  time?: Date;
}

export const RUNS_PREFIX = 'refs/repro/runs/';

const OID = /^[0-9a-f]{40}$/;

/**
 * Write the run's commit object and create `refs/repro/runs/<runId>` pointing at it; returns the
 * commit id. HEAD, branches, the index and the work tree are never touched. The ref is created
 * under Git's `<ref>.lock` protocol and only when absent (or already equal): an existing run with
 * another commit is `E_RECORD`. Tree and parent ids are trusted to exist (they come from
 * `snapshotTree` and `findRepo`).
 */
export async function writeRunCommit(opts: WriteRunCommitOptions): Promise<string> {
  const { repo, runId, tree, parents } = opts;
  if (!isValidRunId(runId)) throw new ReproError('E_RECORD', `invalid run id: '${runId}'`);
  for (const oid of [tree, ...parents]) {
    if (!OID.test(oid)) throw new ReproError('E_RECORD', `invalid object id for a run commit: '${oid}'`);
  }
  const commonDir = await commonDirOf(repo);
  const [author, committer] = opts.author ? [opts.author, opts.author] : await defaultIdentities(commonDir);
  const when = stamp(opts.time ?? new Date());
  const message = opts.message.endsWith('\n') ? opts.message : `${opts.message}\n`;
  const text =
    `tree ${tree}\n` +
    parents.map((p) => `parent ${p}\n`).join('') +
    `author ${person(author)} ${when}\n` +
    `committer ${person(committer)} ${when}\n` +
    `\n${message}`;
  const oid = await writeLooseObject(join(commonDir, 'objects'), 'commit', Buffer.from(text));
  await createRefExclusive(repo, RUNS_PREFIX + runId, oid);
  return oid;
}

/** `Name <email>` with the characters Git strips from identities removed. */
function person(id: Identity): string {
  const clean = (s: string): string => s.replace(/[<>\n\r\0]/g, '').trim();
  return `${clean(id.name) || 'repro'} <${clean(id.email)}>`;
}

/** `<seconds> <±hhmm>` in the local time zone, as Git writes it. */
function stamp(time: Date): string {
  const offset = -time.getTimezoneOffset();
  const abs = Math.abs(offset);
  const tz = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${Math.floor(time.getTime() / 1000)} ${tz}`;
}

/** Author and committer as Git picks them: GIT_{AUTHOR,COMMITTER}_{NAME,EMAIL}, then config, then a fixed fallback. */
async function defaultIdentities(commonDir: string): Promise<[Identity, Identity]> {
  const env = process.env;
  const need = ['AUTHOR', 'COMMITTER'].some((r) => !env[`GIT_${r}_NAME`] || !env[`GIT_${r}_EMAIL`]);
  const config = need ? await readMergedConfig(commonDir) : new Map<string, string>();
  const pick = (role: string): Identity => ({
    name: env[`GIT_${role}_NAME`] || config.get('user.name') || 'repro',
    email: env[`GIT_${role}_EMAIL`] || config.get('user.email') || env.EMAIL || 'repro@localhost',
  });
  return [pick('AUTHOR'), pick('COMMITTER')];
}
