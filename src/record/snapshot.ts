import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { mark } from '../core/timing.js';
import { catInfo, catObject, git, gitText } from './git.js';
import { objectId } from './objects.js';
import type { RepoInfo } from './repoinfo.js';
import { NEVER, byPath, readUntracked, screenCandidates, type Candidate, type Screen, type SnapshotOutcome } from './snapshot-extra.js';
import { readStatus, type StatusEntry } from './status.js';
import { TreeEdit, type Leaf } from './tree-edit.js';

export interface SnapshotOptions {
  repo: RepoInfo;
  /** Repo path → content, e.g. `repro.lock`, `.repro-run/record.json`; replaces a tracked file of the same path. */
  extraFiles: Record<string, string | Uint8Array>;
}

/**
 * Write the tree `git commit -a` would record, plus `extraFiles`, and return its id: every path
 * in the index with its current work-tree content (deleted files left out, untracked files not
 * added), exec bits and symlinks kept, clean filters (Git LFS) and end-of-line conversion applied
 * as `git add` applies them. Touches no ref, no index, no work-tree file.
 *
 * How: `git status` (which trusts the index's stat data, as Git always does) names the paths that
 * differ from HEAD; HEAD's tree, edited in memory (tree-edit.ts), takes the staged entries and
 * the work-tree files' blobs (`git hash-object -w --stdin-paths`, through the filters), and the
 * new trees and raw blobs go to Git in one `git unpack-objects`: the tree `git read-tree HEAD`,
 * `git update-index --index-info` and `git write-tree` give on a private index. Entries Git
 * itself does not look at keep their index entry: sparse-checkout and assume-unchanged files,
 * and submodules (their staged commit, not the one checked out in them).
 */
export async function snapshotTree(opts: SnapshotOptions): Promise<string> {
  return (await build({ repo: opts.repo, extraFiles: () => opts.extraFiles })).tree;
}

/**
 * What recording a run needs, in one pass: `isDirty(repo, { ignore })`, then the snapshot's tree
 * (see `snapshotTree`) with two additions for runs:
 *
 * - `include`: the run's declared inputs (files or directories). Those Git does not track are
 *   added too (`untracked` in the result), minus `exclude`d paths (stage outputs), `.git`,
 *   `.repro` and files over the size caps of snapshot-extra.ts (then in `withheld` with rule null).
 * - `screen`: every file the snapshot adds beyond the source commit (staged but uncommitted,
 *   edited tracked files, untracked inputs) is passed to it, and a file it names a rule for is
 *   withheld: a tracked file keeps its content at the source commit (or is left out when that
 *   commit lacks it), an untracked one is left out. No blob of a withheld file is written.
 *
 * The extra files may depend on the dirty flag and the outcome (the run record states them), so
 * they come from a function of both. Untracked inputs do not make the snapshot dirty.
 */
export async function snapshotTreeAndDirty(opts: {
  repo: RepoInfo;
  ignore: (path: string) => boolean;
  extraFiles: (dirty: boolean, outcome: SnapshotOutcome) => Record<string, string | Uint8Array>;
  /** The paths `extraFiles` will write (they replace tracked files there, and are not screened). */
  replaced?: string[];
  include?: string[];
  exclude?: (path: string) => boolean;
  screen?: Screen;
}): Promise<{ tree: string; dirty: boolean } & SnapshotOutcome> {
  return build(opts);
}

/**
 * True when a tracked file differs from HEAD, in the index or in the work tree (untracked files
 * do not count), leaving out the `ignore`d paths. Before the first commit, any tracked file
 * makes the repository dirty. Writes nothing.
 */
export async function isDirty(repo: RepoInfo, opts: { ignore?: (path: string) => boolean } = {}): Promise<boolean> {
  const ignore = opts.ignore ?? (() => false);
  const entries = (await readStatus(repo)).filter((e) => !ignore(e.path));
  const both = entries.filter((e) => !e.sub && e.worktree === 'changed' && e.staged);
  const hashes = both.length
    ? await hashPaths(
        repo,
        both.map((e) => e.path),
        false,
      )
    : [];
  const after = new Map(both.map((e, i) => [e.path, hashes[i]!]));
  return entries.some((e) => differsFromHead(e, after.get(e.path)));
}

export { type Screen, type SnapshotOutcome, type WithheldFile } from './snapshot-extra.js';

/**
 * Whether the snapshot's version of `e` differs from HEAD's. `hashed` is the work-tree blob id
 * when it was computed; a work-tree change over an unchanged index always differs.
 */
function differsFromHead(e: StatusEntry, hashed: string | undefined): boolean {
  const fin = finalIndexLeaf(e);
  if (e.sub || e.worktree === 'same') return !same(fin, e.head);
  if (e.worktree === 'deleted') return e.head.mode !== '000000';
  if (!e.staged) return true; // the work tree differs from an index equal to HEAD
  return hashed === undefined || hashed !== e.head.oid || e.worktreeMode !== e.head.mode;
}

/** The leaf the snapshot takes from the index for `e` (null: none). */
function finalIndexLeaf(e: StatusEntry): Leaf | null {
  return e.index.mode === '000000' ? null : e.index;
}

function same(a: Leaf | null, b: Leaf): boolean {
  return a === null ? b.mode === '000000' : a.mode === b.mode && a.oid === b.oid;
}

async function build(opts: {
  repo: RepoInfo;
  extraFiles: (dirty: boolean, outcome: SnapshotOutcome) => Record<string, string | Uint8Array>;
  ignore?: (path: string) => boolean;
  replaced?: string[];
  include?: string[];
  exclude?: (path: string) => boolean;
  screen?: Screen;
}): Promise<{ tree: string; dirty: boolean } & SnapshotOutcome> {
  const { repo } = opts;
  mark('record: snapshot start');
  const ignore = opts.ignore ?? (() => false);
  const replaced = new Set(opts.replaced ?? []);
  const exclude = opts.exclude ?? (() => false);
  const include = (opts.include ?? []).filter((p) => p !== '' && p !== '.');
  const [status, base, others] = await Promise.all([
    readStatus(repo),
    repo.head ? catInfo(repo.root, `${repo.head}^{tree}`) : null,
    include.length ? untrackedUnder(repo, include) : [],
  ]);
  if (repo.head && !base) throw new ReproError('E_GIT', `HEAD's tree not found: '${repo.head}'`);

  // What the snapshot holds beyond HEAD: staged blobs and work-tree files, then untracked inputs.
  const candidates: Candidate[] = [];
  const entryOf = new Map(status.map((e) => [e.path, e]));
  for (const e of status) {
    if (e.sub || replaced.has(e.path)) continue;
    if (e.worktree === 'changed') {
      const content = await readWorktree(repo.root, e.path, e.worktreeMode);
      if (content) candidates.push({ path: e.path, tracked: true, content, mode: e.worktreeMode, fromWorktree: true });
    } else if (e.worktree === 'same' && e.index.mode !== '000000' && e.index.mode !== '160000' && !same(e.index, e.head)) {
      const blob = await catObject(repo.root, e.index.oid);
      if (blob) candidates.push({ path: e.path, tracked: true, content: blob.content, mode: e.index.mode, fromWorktree: false });
    }
  }
  const skip = (p: string): boolean =>
    entryOf.has(p) || replaced.has(p) || exclude(p) || NEVER.some((n) => p === n || p.startsWith(n + '/'));
  const untracked = await readUntracked(
    repo.root,
    others.filter((p) => !skip(p)),
  );
  candidates.push(...untracked.files);

  const screened = await screenCandidates(
    candidates,
    opts.screen && timed(opts.screen),
    (p) => (entryOf.get(p)?.head.mode ?? '000000') !== '000000',
  );
  const withheldPaths = new Set(screened.withheld.map((w) => w.path));

  // Blob ids of the kept work-tree files (written), and of withheld edited-and-staged files (not written, for `dirty`).
  const toWrite = screened.kept.filter((c) => c.fromWorktree);
  const regular = toWrite.filter((c) => c.mode !== '120000');
  const links = toWrite.filter((c) => c.mode === '120000');
  const needOnly = status.filter((e) => withheldPaths.has(e.path) && e.worktree === 'changed' && e.staged && !ignore(e.path));
  const linkIds = links.map((c) => blobId(repo, c.content));
  const [regularIds, onlyIds] = await Promise.all([
    hashPaths(
      repo,
      regular.map((c) => c.path),
      true,
    ),
    hashPaths(
      repo,
      needOnly.map((e) => e.path),
      false,
    ),
  ]);
  const hashed = new Map<string, string>();
  regular.forEach((c, i) => hashed.set(c.path, regularIds[i]!));
  links.forEach((c, i) => hashed.set(c.path, linkIds[i]!));
  needOnly.forEach((e, i) => hashed.set(e.path, onlyIds[i]!));

  // From the work tree as it is, withheld files included (as `isDirty` sees it).
  const dirty = status.some((e) => !ignore(e.path) && differsFromHead(e, hashed.get(e.path)));
  const untrackedKept = screened.kept.filter((c) => !c.tracked).map((c) => c.path);
  const outcome: SnapshotOutcome = {
    untracked: untrackedKept.sort(),
    withheld: [...screened.withheld, ...untracked.withheld].sort(byPath),
  };

  // HEAD's tree, then each changed path's snapshot leaf, then the extra files; removals first.
  const removals: string[] = [];
  const adds: [string, Leaf][] = [];
  const put = (path: string, leaf: Leaf | null): void => {
    if (leaf === null) removals.push(path);
    else adds.push([path, leaf]);
  };
  for (const e of status) {
    if (replaced.has(e.path)) continue;
    if (withheldPaths.has(e.path)) put(e.path, e.head.mode === '000000' ? null : e.head);
    else if (e.sub || e.worktree === 'same') put(e.path, finalIndexLeaf(e));
    else if (e.worktree === 'deleted') put(e.path, null);
    else {
      const oid = hashed.get(e.path);
      put(e.path, oid === undefined ? null : { mode: e.worktreeMode, oid }); // undefined: vanished while read
    }
  }
  for (const c of screened.kept) if (!c.tracked) put(c.path, { mode: c.mode, oid: hashed.get(c.path)! });
  const extras = Object.entries(opts.extraFiles(dirty, outcome)).map(([path, content]) => [checkExtraPath(path), content] as const);
  const extraBlobs = extras.map(([, c]) => Buffer.from(c));
  extras.forEach(([path], i) => put(path, { mode: '100644', oid: blobId(repo, extraBlobs[i]!) }));
  const edit = new TreeEdit(repo, base?.oid ?? null);
  for (const path of removals) await edit.remove(path);
  for (const [path, leaf] of adds) await edit.put(path, leaf);
  const tree = await edit.write([...links.map((c) => Buffer.from(c.content)), ...extraBlobs]);
  return { tree, dirty, ...outcome };
}

function timed(screen: Screen): Screen {
  return async (files) => {
    mark('record: screening');
    const r = await screen(files);
    mark('record: screened');
    return r;
  };
}

/** Untracked files (ignored ones too) at or under `paths`: `git ls-files --others`, paths taken literally. */
async function untrackedUnder(repo: RepoInfo, paths: string[]): Promise<string[]> {
  const out = await git(repo.root, ['--literal-pathspecs', 'ls-files', '-z', '--others', '--', ...paths]);
  return [
    ...new Set(
      out
        .toString('utf8')
        .split('\0')
        .filter((p) => p !== '' && !p.endsWith('/')),
    ),
  ].sort();
}

/** A work-tree file's content (a symlink's target), null when it vanished. */
async function readWorktree(root: string, path: string, mode: string): Promise<Buffer | null> {
  try {
    return mode === '120000' ? await readlink(join(root, path), { encoding: 'buffer' }) : await readFile(join(root, path));
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR') || isErrno(e, 'EISDIR')) return null;
    throw e;
  }
}

/** Blob ids of work-tree files, through their clean filters as `git add` would; written when `write`. */
async function hashPaths(repo: RepoInfo, paths: string[], write: boolean): Promise<string[]> {
  if (paths.length === 0) return [];
  if (paths.some((p) => /[\n\r]/.test(p)))
    throw new ReproError('E_GIT', `cannot snapshot a path with a line break: '${paths.find((p) => /[\n\r]/.test(p))}'`);
  const out = await gitText(repo.root, ['hash-object', ...(write ? ['-w'] : []), '--stdin-paths'], { input: paths.join('\n') + '\n' });
  return out.split('\n');
}

/** The id of a blob of raw `content` (no filters: repro's own files, symlink targets), as `git hash-object --no-filters` gives it. */
function blobId(repo: RepoInfo, content: Uint8Array): string {
  return objectId(repo, { type: 'blob', content: Buffer.from(content) });
}

/** A repo-relative POSIX path that stays inside the tree and out of `.git`. */
function checkExtraPath(path: string): string {
  const parts = path.split('/');
  if (path === '' || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git')) {
    throw new ReproError('E_PATH_ESCAPE', `invalid path for a file in a run record: '${path}'`, {
      hint: "use a relative path such as '.repro-run/record.json'",
    });
  }
  return path;
}
