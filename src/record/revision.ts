import { ReproError } from '../core/errors.js';
import { RUNS_PREFIX } from './commit.js';
import { catInfo, gitText } from './git.js';
import type { RepoInfo } from './repoinfo.js';
import { isValidRunId } from './runid.js';

/**
 * A revision → the commit it names, as Git resolves `<rev>^{commit}` (`HEAD`/`@`, branch,
 * remote-tracking and tag names, full ref names, full or unique abbreviated ids, `~N`, `^N`,
 * `^{}`, and every other form Git accepts), tags peeled. A run id (`refs/repro/runs/<id>`,
 * optionally with `~N`/`^N`) is tried last. Anything else, or a name that resolves to no
 * commit, is `E_NOT_FOUND`; an ambiguous abbreviation too, with a hint.
 */
export async function resolveRevision(repo: RepoInfo, rev: string): Promise<string> {
  const unknown = (): ReproError => new ReproError('E_NOT_FOUND', `unknown revision: '${rev}'`);
  if (rev === '' || rev.startsWith('-') || /[\n\r\0]/.test(rev)) throw unknown();
  let found = await catInfo(repo.root, `${rev}^{commit}`);
  const m = found ? null : /^([A-Za-z0-9][A-Za-z0-9._-]*)((?:~\d*|\^(?:\d+|\{(?:commit)?\})?)*)$/.exec(rev);
  if (m && isValidRunId(m[1]!)) found = await catInfo(repo.root, `${RUNS_PREFIX}${m[1]}${m[2]}^{commit}`);
  if (!found) throw unknown();
  return found.oid;
}

/**
 * Commit ids from `from` (any revision) back along first parents, `from` first, at most `limit`
 * (`git rev-list --first-parent`). In a shallow clone the walk ends at the shallow boundary.
 */
export async function firstParentHistory(repo: RepoInfo, from: string, limit = Infinity): Promise<string[]> {
  if (limit <= 0) return [];
  const start = await resolveRevision(repo, from);
  const max = Number.isFinite(limit) ? [`--max-count=${Math.floor(limit)}`] : [];
  const text = await gitText(repo.root, ['rev-list', '--first-parent', ...max, start]);
  return text === '' ? [] : text.split('\n');
}
