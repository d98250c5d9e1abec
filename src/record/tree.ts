import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReproError } from '../core/errors.js';
import { mapLimit } from '../core/pool.js';
import { catInfo, catObject, git } from './git.js';
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
  const t = await catInfo(repo.root, `${oid}^{tree}`);
  if (!t) throw new ReproError('E_NOT_FOUND', `not a commit or tree: '${oid}'`);
  return t.oid;
}

/**
 * Every file of a commit's (or a tree's) tree, recursively, in Git's tree order (`git ls-tree -r`).
 * A tree is untrusted input (a pushed run ref can hold any objects): a path with an empty, `.`,
 * `..` or `.git` component or a backslash, and a path listed twice (or both as a file and as a
 * directory), are `E_GIT`, as `git fsck` reports them, so no reader can be led to write one path
 * twice or outside the tree.
 */
export async function listTreeFiles(repo: RepoInfo, commit: string): Promise<TreeFile[]> {
  const tree = await rootTreeOf(repo, commit);
  const out: TreeFile[] = [];
  const seen = new Set<string>();
  const raw = (await git(repo.root, ['ls-tree', '-r', '-z', '--full-tree', tree])).toString('utf8');
  for (const line of raw.split('\0')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const [mode, , oid] = line.slice(0, tab).split(' ');
    const path = line.slice(tab + 1);
    checkTreePath(path, tree);
    if (seen.has(path)) throw new ReproError('E_GIT', `duplicate entry in git tree ${tree}: '${path}'`);
    seen.add(path);
    out.push({ path, oid: oid!, mode: mode!.padStart(6, '0') });
  }
  for (const f of out) {
    for (let i = f.path.indexOf('/'); i > 0; i = f.path.indexOf('/', i + 1)) {
      if (seen.has(f.path.slice(0, i))) throw new ReproError('E_GIT', `duplicate entry in git tree ${tree}: '${f.path.slice(0, i)}'`);
    }
  }
  return out;
}

/**
 * The content of `path` (repo-relative) in `commit`'s tree; null when there is no such file
 * (or it is a directory or a submodule). An unknown commit is `E_NOT_FOUND`.
 */
export async function readRunFile(repo: RepoInfo, commit: string, path: string): Promise<Uint8Array | null> {
  const parts = path
    .replace(/^\.\//, '')
    .split('/')
    .filter((p) => p !== '');
  const [tree, obj] = await Promise.all([
    rootTreeOf(repo, commit),
    parts.length ? catObject(repo.root, `${commit}^{tree}:${parts.join('/')}`) : null,
  ]);
  void tree; // resolved for its E_NOT_FOUND
  return obj?.type === 'blob' ? obj.content : null;
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
    const obj = await catObject(repo.root, f.oid);
    if (!obj) throw new ReproError('E_NOT_FOUND', `git object not found: '${f.oid}'`);
    if (f.mode === '120000') return symlink(obj.content.toString('utf8'), abs);
    await writeFile(abs, obj.content, { mode: f.mode === '100755' ? 0o755 : 0o644, flag: 'wx' });
  });
}

/** Refuses a tree path that could leave the directory it is written into. Git never writes one; a tree that has one was crafted. */
function checkTreePath(path: string, tree: string): void {
  const bad = path.includes('\\') || path.split('/').some((c) => c === '' || c === '.' || c === '..' || c.toLowerCase() === '.git');
  if (bad) throw new ReproError('E_GIT', `unsafe path in git tree ${tree}: '${path}'`);
}
