import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { RUNS_PREFIX } from './commit.js';
import { expandAbbrev, hasObject } from './isogit.js';
import { peelToCommit, readCommit } from './read.js';
import { dwimRef, readRef } from './refs.js';
import { commonDirOf, type RepoInfo } from './repoinfo.js';

/**
 * A revision → the commit it names. Accepts `HEAD` (`@`), branch, remote-tracking and tag names
 * and full ref names (resolved as `git rev-parse` does), a full or abbreviated (≥ 4 hex digits,
 * unique) commit id, a run id (`refs/repro/runs/<id>`, tried last), each optionally followed by
 * `~N`, `^N`, `^`, `^{commit}` or `^{}`. Tags are peeled. Anything else, or a name that resolves
 * to no commit, is `E_NOT_FOUND`.
 */
export async function resolveRevision(repo: RepoInfo, rev: string): Promise<string> {
  const m = /^(.*?)((?:~\d*|\^(?:\d+|\{(?:commit)?\})?)*)$/.exec(rev);
  const base = m?.[1] === '@' ? 'HEAD' : (m?.[1] ?? '');
  const unknown = (): ReproError => new ReproError('E_NOT_FOUND', `unknown revision: '${rev}'`);
  const start = await resolveBase(repo, base);
  if (start === null) throw unknown();
  const peeled = await peelOrNull(repo, start);
  if (peeled === null) throw unknown();
  let commit = peeled;
  for (const [, op, num] of (m?.[2] ?? '').matchAll(/([~^])(\{(?:commit)?\}|\d*)/g)) {
    if (num!.startsWith('{')) continue; // ^{commit} / ^{}: already peeled to a commit
    const n = num === '' ? 1 : Number(num);
    if (op === '^') {
      if (n === 0) continue;
      const parent = (await readCommit(repo, commit)).parents[n - 1];
      if (!parent) throw unknown();
      commit = parent;
    } else {
      for (let i = 0; i < n; i++) {
        const parent = (await readCommit(repo, commit)).parents[0];
        if (!parent) throw unknown();
        commit = parent;
      }
    }
  }
  return commit;
}

async function resolveBase(repo: RepoInfo, base: string): Promise<string | null> {
  if (base === '') return null;
  if (/^[0-9a-f]{40}$/.test(base)) return (await hasObject(repo, base)) ? base : null;
  const ref = await dwimRef(repo, base);
  if (ref) return ref;
  if (/^[0-9a-f]{4,39}$/.test(base)) {
    const oid = await expandAbbrev(repo, base);
    if (oid) return oid;
  }
  return readRef(repo, RUNS_PREFIX + base);
}

async function peelOrNull(repo: RepoInfo, oid: string): Promise<string | null> {
  try {
    return (await peelToCommit(repo, oid)).oid;
  } catch (e) {
    if (e instanceof ReproError && e.code === 'E_NOT_FOUND') return null;
    throw e;
  }
}

/**
 * Commit ids from `from` (any revision) back along first parents, `from` first, at most `limit`.
 * In a shallow clone the walk ends at the shallow boundary instead of failing on a missing parent.
 */
export async function firstParentHistory(repo: RepoInfo, from: string, limit = Infinity): Promise<string[]> {
  const out: string[] = [];
  if (limit <= 0) return out;
  const boundary = await shallowCommits(repo);
  let oid: string | undefined = await resolveRevision(repo, from);
  while (oid !== undefined && out.length < limit) {
    out.push(oid);
    if (boundary.has(oid)) break;
    oid = (await readCommit(repo, oid)).parents[0];
  }
  return out;
}

async function shallowCommits(repo: RepoInfo): Promise<Set<string>> {
  try {
    const text = await readFile(join(await commonDirOf(repo), 'shallow'), 'utf8');
    return new Set(text.split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l)));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return new Set();
    throw e;
  }
}
