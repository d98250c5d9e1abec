import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReproError } from '../core/errors.js';
import { readObject } from './isogit.js';
import { mapLimit } from '../core/pool.js';
import { parseCommit, peel, readTree, type TreeEntry } from './read.js';
import type { RepoInfo } from './repoinfo.js';

export interface TreeFile {
  /** Repo-relative POSIX path. */
  path: string;
  oid: string;
  /** 100644, 100755, 120000 (symlink) or 160000 (submodule commit, which has no blob here). */
  mode: string;
}

/**
 * The root tree of `oid`: a commit's tree (tags peeled), or `oid` itself when it names a tree.
 * Anything else is `E_NOT_FOUND`.
 */
export async function rootTreeOf(repo: RepoInfo, oid: string): Promise<string> {
  const target = await peel(repo, oid);
  if (target.type === 'tree') return target.oid;
  if (target.type === 'commit') return parseCommit(target.oid, target.content).tree;
  throw new ReproError('E_NOT_FOUND', `not a commit or tree: '${oid}'`);
}

/** Every file of a commit's (or a tree's) tree, recursively, in Git's tree order. */
export async function listTreeFiles(repo: RepoInfo, commit: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  const walk = async (treeOid: string, prefix: string): Promise<void> => {
    for (const e of await readTree(repo, treeOid)) {
      const path = prefix + safeName(e, treeOid);
      if (e.mode === '040000') await walk(e.oid, `${path}/`);
      else out.push({ path, oid: e.oid, mode: e.mode });
    }
  };
  await walk(await rootTreeOf(repo, commit), '');
  return out;
}

/**
 * The content of `path` (repo-relative) in `commit`'s tree; null when there is no such file
 * (or it is a directory or a submodule). An unknown commit is `E_NOT_FOUND`.
 */
export async function readCommitFile(repo: RepoInfo, commit: string, path: string): Promise<Uint8Array | null> {
  const parts = path
    .replace(/^\.\//, '')
    .split('/')
    .filter((p) => p !== '');
  if (parts.length === 0) return null;
  let treeOid = await rootTreeOf(repo, commit);
  for (let i = 0; i < parts.length; i++) {
    const entry = (await readTree(repo, treeOid)).find((e) => e.name === parts[i]);
    if (!entry) return null;
    if (i === parts.length - 1) {
      if (entry.mode === '040000' || entry.mode === '160000') return null;
      return (await readObject(repo, entry.oid)).content;
    }
    if (entry.mode !== '040000') return null;
    treeOid = entry.oid;
  }
  return null;
}

/**
 * Write `commit`'s tree (or the tree `commit` names) into `destDir` as plain files: exec bits (0755/0644, less the umask),
 * symlinks as symlinks, submodules as empty directories. `destDir` must be missing or empty, so
 * nothing of a previous copy survives unnoticed.
 */
export async function materializeTree(repo: RepoInfo, commit: string, destDir: string): Promise<void> {
  await mkdir(destDir, { recursive: true });
  if ((await readdir(destDir)).length > 0) {
    throw new ReproError('E_USAGE', `destination directory is not empty: '${destDir}'`, {
      hint: 'materialize into a new or empty directory',
    });
  }
  const files = await listTreeFiles(repo, commit);
  const dirs = new Set(files.map((f) => dirname(f.path)));
  // Create directories first, shortest first, so file writes below never race on a parent.
  for (const d of [...dirs].sort((a, b) => a.length - b.length)) if (d !== '.') await mkdir(join(destDir, d), { recursive: true });
  await mapLimit(files, 16, async (f) => {
    const abs = join(destDir, f.path);
    if (f.mode === '160000') return mkdir(abs, { recursive: true });
    const { content } = await readObject(repo, f.oid);
    if (f.mode === '120000') return symlink(Buffer.from(content).toString('utf8'), abs);
    await writeFile(abs, content, { mode: f.mode === '100755' ? 0o755 : 0o644, flag: 'wx' });
  });
}

/**
 * A tree entry name that cannot leave the directory it is written into. Git itself never
 * writes such names; a tree that has one was crafted, and is refused rather than followed.
 */
function safeName(e: TreeEntry, treeOid: string): string {
  if (
    e.name === '' ||
    e.name === '.' ||
    e.name === '..' ||
    e.name.includes('/') ||
    e.name.includes('\\') ||
    e.name.toLowerCase() === '.git'
  ) {
    throw new ReproError('E_GIT', `unsafe path in git tree ${treeOid}: '${e.name}'`);
  }
  return e.name;
}
