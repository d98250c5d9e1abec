import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ReproError } from '../core/errors.js';
import { readLooseObject, type ObjectType } from './objects.js';
import { commonDirOf, type RepoInfo } from './repoinfo.js';

/**
 * The one door to isomorphic-git, used for what it does well and we do not want to rewrite:
 * reading packed objects and expanding abbreviated ids across packs. Loaded on first use (it
 * costs ~67 ms), so writing a record, which only touches loose objects, never loads it.
 * Its errors are translated here into ReproError; nothing else in the project sees them.
 */

type Git = typeof import('isomorphic-git');
let gitModule: Promise<Git> | undefined;
const requireCjs = createRequire(import.meta.url);

function loadGit(): Promise<Git> {
  // The package's "." export is CommonJS; require() also works where dynamic import() does not
  // (the CLI runs from a vm.Script, see bin/repro.js).
  gitModule ??= Promise.resolve().then(() => requireCjs('isomorphic-git') as Git);
  return gitModule;
}

/**
 * isomorphic-git's object cache (parsed pack indexes), one per common dir for the life of the
 * process. Safe across `git gc`: the pack directory is listed on every read, so a removed pack is
 * never consulted again.
 */
const caches = new Map<string, object>();

export interface GitObject {
  type: ObjectType;
  content: Uint8Array;
}

/** An object by full id, loose or packed; a missing object is `E_NOT_FOUND`. */
export async function readObject(repo: RepoInfo, oid: string): Promise<GitObject> {
  const commonDir = await commonDirOf(repo);
  const loose = await readLooseObject(join(commonDir, 'objects'), oid);
  if (loose) return loose;
  const git = await loadGit();
  try {
    const r = await git.readObject({ fs: gitFs, gitdir: commonDir, oid, format: 'content', cache: cacheFor(commonDir) });
    return { type: r.type as ObjectType, content: r.object as Uint8Array };
  } catch (e) {
    throw translate(git, e, oid);
  }
}

/** True when the object exists, loose or packed. */
export async function hasObject(repo: RepoInfo, oid: string): Promise<boolean> {
  try {
    await readObject(repo, oid);
    return true;
  } catch (e) {
    if (e instanceof ReproError && e.code === 'E_NOT_FOUND') return false;
    throw e;
  }
}

/**
 * The full id for an abbreviated one (4–39 hex digits), or null when no object matches.
 * Two or more matches are `E_NOT_FOUND` with an "ambiguous" message, as Git refuses them too.
 */
export async function expandAbbrev(repo: RepoInfo, abbrev: string): Promise<string | null> {
  const commonDir = await commonDirOf(repo);
  const git = await loadGit();
  try {
    return await git.expandOid({ fs: gitFs, gitdir: commonDir, oid: abbrev, cache: cacheFor(commonDir) });
  } catch (e) {
    if (isGitError(git, e) && e.code === git.Errors.NotFoundError.code) return null;
    throw translate(git, e, abbrev);
  }
}

/**
 * The file system handed to isomorphic-git: node's, except that reading a loose object that does
 * not exist fails without building an Error (stack capture dominates a packed read otherwise:
 * isomorphic-git always tries the loose path first, and `readObject` already did).
 */
const MISSING = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
const LOOSE = /[\\/]objects[\\/][0-9a-f]{2}[\\/][0-9a-f]{38}$/;
const gitFs = {
  ...fs,
  promises: {
    ...fs.promises,
    readFile: (path?: fs.PathLike, options?: unknown) => {
      // isomorphic-git wraps `fs` on every call and probes it with `readFile()`: answer cheaply.
      if (path === undefined) return Promise.reject(MISSING);
      if (typeof path === 'string' && LOOSE.test(path) && !fs.statSync(path, { throwIfNoEntry: false })) return Promise.reject(MISSING);
      return fs.promises.readFile(path, options as undefined);
    },
    readdir: (path: string, options?: unknown) =>
      /[\\/]objects[\\/]pack$/.test(path) ? listPacks(path) : fs.promises.readdir(path, options as undefined),
  },
};

/**
 * isomorphic-git lists `objects/pack` on every packed read. The listing is reused while the
 * directory's stat (mtime, ctime, size, inode) is unchanged, which any pack added or removed
 * changes, so a `git gc` in between is still seen.
 */
const packLists = new Map<string, { stamp: string; names: string[] }>();
async function listPacks(dir: string): Promise<string[]> {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (!st) return fs.promises.readdir(dir); // fails as readdir does
  const stamp = `${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.ino}`;
  const hit = packLists.get(dir);
  if (hit?.stamp === stamp) return [...hit.names];
  const names = await fs.promises.readdir(dir);
  packLists.set(dir, { stamp, names });
  return [...names];
}

function cacheFor(commonDir: string): object {
  let cache = caches.get(commonDir);
  if (!cache) caches.set(commonDir, (cache = {}));
  return cache;
}

function isGitError(git: Git, e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && code in git.Errors;
}

/** An isomorphic-git error as a ReproError; anything else (a Node errno, a bug) is returned as is. */
function translate(git: Git, e: unknown, subject: string): unknown {
  if (!isGitError(git, e)) return e;
  if (e.code === git.Errors.NotFoundError.code) {
    return new ReproError('E_NOT_FOUND', `git object not found: '${subject}'`, { cause: e });
  }
  if (e.code === git.Errors.AmbiguousError.code) {
    return new ReproError('E_NOT_FOUND', `ambiguous revision: '${subject}'`, {
      cause: e,
      hint: 'give more characters of the commit id',
    });
  }
  return new ReproError('E_GIT', `git read failed (${e.message.replace(/\.$/, '')}): '${subject}'`, { cause: e });
}
