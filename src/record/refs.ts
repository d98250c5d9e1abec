import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { commonDirOf, type RepoInfo } from './repoinfo.js';

/**
 * Refs in the files backend: loose files under the git dir plus `packed-refs`, the loose one
 * winning. Per-worktree refs (HEAD, pseudo-refs such as ORIG_HEAD, refs/worktree, refs/bisect,
 * refs/rewritten) live in the worktree's git dir; every other ref in the common dir.
 */

const OID = /^[0-9a-f]{40}$/;

/**
 * True for a name that is safe to look up as a ref file: no `..`, no control or special
 * characters Git forbids (check-ref-format), no component starting with `.` or ending in `.lock`.
 * Guards the file system against revisions such as `../../etc/passwd`.
 */
export function isSafeRefName(name: string): boolean {
  if (name === '' || name === '@' || name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((c) => !c.startsWith('.') && !c.endsWith('.lock'));
}

async function refDirFor(repo: RepoInfo, name: string): Promise<string> {
  const perWorktree = !name.startsWith('refs/') || /^refs\/(worktree|bisect|rewritten)\//.test(name);
  return perWorktree ? repo.gitdir : commonDirOf(repo);
}

/** `packed-refs` as name → oid (peeled `^` lines are skipped: callers peel tags themselves). */
export async function readPackedRefs(commonDir: string): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(join(commonDir, 'packed-refs'), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return refs;
    throw e;
  }
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(line);
    if (m) refs.set(m[2]!, m[1]!);
  }
  return refs;
}

/**
 * The object id `name` (a full ref name such as `refs/heads/main`, or `HEAD`) points at,
 * following symbolic refs; null when it does not exist or is a symbolic ref to an unborn branch.
 */
export async function readRef(repo: RepoInfo, name: string, packed?: Map<string, string>): Promise<string | null> {
  for (let depth = 0; depth < 10; depth++) {
    if (!isSafeRefName(name)) return null;
    const content = await readLooseRef(join(await refDirFor(repo, name), name));
    if (content === null) {
      packed ??= await readPackedRefs(await commonDirOf(repo));
      return packed.get(name) ?? null;
    }
    if (content.startsWith('ref: ')) {
      name = content.slice(5).trim();
      continue;
    }
    // FETCH_HEAD holds several lines of "<oid>\t..."; the first oid is the one Git uses.
    const oid = content.slice(0, 40);
    return OID.test(oid) ? oid : null;
  }
  return null;
}

/** The name a symbolic ref points at (`HEAD` → `refs/heads/main`), or null when it is not symbolic. */
export async function readSymbolicRef(repo: RepoInfo, name: string): Promise<string | null> {
  const content = await readLooseRef(join(await refDirFor(repo, name), name));
  return content?.startsWith('ref: ') ? content.slice(5).trim() : null;
}

async function readLooseRef(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR') || isErrno(e, 'EISDIR')) return null;
    throw e;
  }
}

/**
 * Resolve a short ref name the way `git rev-parse` does, trying in order `<name>`, `refs/<name>`,
 * `refs/tags/<name>`, `refs/heads/<name>`, `refs/remotes/<name>`, `refs/remotes/<name>/HEAD`.
 */
export async function dwimRef(repo: RepoInfo, name: string): Promise<string | null> {
  if (!isSafeRefName(name)) return null;
  const packed = await readPackedRefs(await commonDirOf(repo));
  const candidates = [name, `refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`];
  for (const c of candidates) {
    // A bare name only counts at the top of the git dir when it looks like HEAD/ORIG_HEAD: this
    // keeps `config` or `index` from being read as refs.
    if (c === name && !c.startsWith('refs/') && !/^[A-Z_]+$/.test(c)) continue;
    const oid = await readRef(repo, c, packed);
    if (oid) return oid;
  }
  return null;
}

/** Every ref under `prefix` (e.g. `refs/repro/runs/`), loose and packed, as name → oid. */
export async function listRefs(repo: RepoInfo, prefix: string): Promise<Map<string, string>> {
  const commonDir = await commonDirOf(repo);
  const out = new Map<string, string>();
  for (const [name, oid] of await readPackedRefs(commonDir)) if (name.startsWith(prefix)) out.set(name, oid);
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(commonDir, rel), { withFileTypes: true });
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return;
      throw e;
    }
    await Promise.all(
      entries.map(async (d) => {
        const name = `${rel}/${d.name}`;
        if (d.isDirectory()) return walk(name);
        if (!d.isFile() || !isSafeRefName(name)) return; // skips `*.lock` and temp files
        const content = (await readLooseRef(join(commonDir, name)))?.trim();
        if (content && OID.test(content)) out.set(name, content);
      }),
    );
  };
  await walk(prefix.replace(/\/$/, ''));
  return out;
}

const LOCK_WAIT_MS = 2000;

/**
 * Point ref `name` at `oid` unless it already points elsewhere (compare-and-swap against
 * "absent"). Uses Git's own protocol, so `git` and other repro processes respect it: create
 * `<ref>.lock` exclusively, check the current value (loose or packed), write the lock, rename
 * it over the ref. A held lock is waited for up to 2 s (writers hold it for microseconds);
 * after that it is reported as `E_LOCKED`, as Git does, since a crashed writer leaves it behind.
 *
 * Throws `E_RECORD` when the ref exists with a different value; succeeds without writing when it
 * already has `oid`.
 */
export async function createRefExclusive(repo: RepoInfo, name: string, oid: string): Promise<void> {
  const path = join(await refDirFor(repo, name), name);
  const lockPath = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  const fh = await openLock(lockPath);
  let renamed = false;
  try {
    const current = await readRef(repo, name);
    if (current === oid) return;
    if (current !== null) {
      throw new ReproError('E_RECORD', `run record ref already exists with another commit: '${name}'`, {
        hint: 'run ids are unique per run; create a new one with newRunId()',
      });
    }
    await fh.writeFile(`${oid}\n`);
    await fh.close();
    await rename(lockPath, path);
    renamed = true;
  } finally {
    if (!renamed) {
      await fh.close(); // a no-op when the write path already closed it
      await rm(lockPath, { force: true });
    }
  }
}

async function openLock(lockPath: string) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      return await open(lockPath, 'wx');
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      if (Date.now() >= deadline) {
        throw new ReproError('E_LOCKED', `ref is locked by another process: '${lockPath}'`, {
          hint: `if no git or repro process is running, remove '${lockPath}'`,
        });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
