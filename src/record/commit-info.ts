import { ReproError } from '../core/errors.js';
import { catObject } from './git.js';
import type { RepoInfo } from './repo.js';

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  /** Committer time, seconds since the epoch. */
  time: number;
}

/** A commit's tree, parents and committer time, through the repository's cat-file reader. */
export async function readCommit(repo: RepoInfo, oid: string): Promise<CommitInfo> {
  const obj = await catObject(repo.root, oid);
  if (!obj || obj.type !== 'commit') throw new ReproError('E_NOT_FOUND', `commit not found: '${oid}'`);
  const text = obj.content.toString('utf8');
  const headerEnd = text.indexOf('\n\n');
  const info: CommitInfo = { oid: obj.oid, tree: '', parents: [], time: 0 };
  for (const line of text.slice(0, headerEnd < 0 ? text.length : headerEnd).split('\n')) {
    if (line.startsWith('tree ')) info.tree = line.slice(5);
    else if (line.startsWith('parent ')) info.parents.push(line.slice(7));
    else if (line.startsWith('committer ')) info.time = Number(/ (\d+) [+-]\d{4}$/.exec(line)?.[1] ?? 0);
  }
  return info;
}
