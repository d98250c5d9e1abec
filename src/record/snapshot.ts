import { lstatSync, type BigIntStats } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { configBool, readRepoConfig } from './config.js';
import { readGitIndex, type GitIndex, type IndexEntry } from './gitindex.js';
import { hashObject, writeLooseObject } from './objects.js';
import { mapLimit } from '../core/pool.js';
import { readCommit } from './read.js';
import { commonDirOf, type RepoInfo } from './repoinfo.js';
import { listTreeFiles } from './tree.js';
import { TreeBuilder, type Leaf, type WriteObject } from './treebuild.js';
import { addBeyondSource, type Screen, type SnapshotOutcome } from './snapshot-extra.js';

export interface SnapshotOptions {
  repo: RepoInfo;
  /** Repo path → content, e.g. `repro.lock`, `.repro-run/record.json`; replaces a tracked file of the same path. */
  extraFiles: Record<string, string | Uint8Array>;
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * Write the tree `git commit -a` would record, plus `extraFiles`, and return its id: every path
 * in the index with its current work-tree content (deleted files left out, untracked files not
 * added), exec bits and symlinks kept. Touches no ref, no index, no work-tree file.
 *
 * Fast because it trusts the index the way `git status` does: a file whose lstat (mtime, ctime,
 * size, inode) equals its index entry keeps the index's blob id; only the others are read,
 * hashed and written. Entries modified at or after the index was written ("racily clean") are
 * always re-read. Entries Git itself does not look at keep their index blob: submodules
 * (their recorded commit), sparse-checkout and assume-unchanged files.
 * Not applied to changed files: clean/smudge filters (e.g. Git LFS) and end-of-line conversion.
 */
export async function snapshotTree(opts: SnapshotOptions): Promise<string> {
  const store = await writingStore(opts.repo);
  return treeOf(await trackedLeaves(opts.repo, store), opts.extraFiles, store);
}

/**
 * What recording a run needs, in one pass over the index and the work tree: `isDirty(repo,
 * { ignore })`, then the snapshot's tree (see `snapshotTree`) with two additions for runs:
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
  const { repo } = opts;
  const store = await writingStore(repo);
  const contents = new Map<string, Uint8Array>();
  const [leaves, headFiles] = await Promise.all([
    trackedLeaves(repo, DRY, undefined, contents),
    repo.head ? listTreeFiles(repo, repo.head) : [],
  ]);
  const head = new Map(headFiles.map((f) => [f.path, { mode: f.mode, oid: f.oid }]));
  const headBuilder = new TreeBuilder();
  for (const f of headFiles) if (!opts.ignore(f.path)) headBuilder.add(f.path, { mode: f.mode, oid: f.oid });
  const [mine, headTreeId] = await Promise.all([
    treeOf(
      leaves.filter(([path]) => !opts.ignore(path)),
      {},
      DRY,
    ),
    headBuilder.write(DRY),
  ]);
  const dirty = mine !== headTreeId;

  const extra = await addBeyondSource({
    repo,
    leaves,
    head,
    contents,
    include: opts.include ?? [],
    exclude: opts.exclude ?? (() => false),
    replaced: new Set(opts.replaced ?? []),
    screen: opts.screen,
  });
  for (const [, content] of extra.write) await store('blob', content);
  return { tree: await treeOf(extra.leaves, opts.extraFiles(dirty, extra.outcome), store), dirty, ...extra.outcome };
}

/**
 * True when a tracked file differs from HEAD, in the index or in the work tree (untracked files
 * do not count). Computes the snapshot's tree id without writing anything and compares it with
 * HEAD's tree; before the first commit, any tracked file makes the repository dirty.
 */
export async function isDirty(repo: RepoInfo, opts: { ignore?: (path: string) => boolean } = {}): Promise<boolean> {
  const ignore = opts.ignore;
  const [leaves, head] = await Promise.all([trackedLeaves(repo, DRY, ignore), headTree(repo, ignore)]);
  return (await treeOf(leaves, {}, DRY)) !== head;
}

export { type Screen, type SnapshotOutcome, type WithheldFile } from './snapshot-extra.js';

const DRY: WriteObject = async (type, content) => hashObject(type, content);

async function writingStore(repo: RepoInfo): Promise<WriteObject> {
  const objects = join(await commonDirOf(repo), 'objects');
  return (type, content) => writeLooseObject(objects, type, content);
}

/** HEAD's tree id, as it would be without the ignored paths (computed, not written). */
async function headTree(repo: RepoInfo, ignore?: (path: string) => boolean): Promise<string> {
  if (repo.head === null) return EMPTY_TREE;
  if (!ignore) return (await readCommit(repo, repo.head)).tree;
  const builder = new TreeBuilder();
  for (const f of await listTreeFiles(repo, repo.head)) if (!ignore(f.path)) builder.add(f.path, { mode: f.mode, oid: f.oid });
  return builder.write(DRY);
}

/**
 * Every tracked path (minus `skip`) with its current content's leaf; changed files go to `store`
 * (and their content into `contents`, when given).
 */
async function trackedLeaves(
  repo: RepoInfo,
  store: WriteObject,
  skip?: (path: string) => boolean,
  contents?: Map<string, Uint8Array>,
): Promise<[string, Leaf][]> {
  const [index, config] = await Promise.all([readGitIndex(repo.gitdir), readRepoConfig(await commonDirOf(repo))]);
  const fileMode = configBool(config.get('core.filemode'), true);
  const out: [string, Leaf][] = [];
  const changed: { at: number; abs: string; mode: string }[] = [];
  for (const e of trackedEntries(index)) {
    if (skip?.(e.path)) continue;
    const abs = join(repo.root, e.path);
    const leaf = statLeaf(abs, e, index, fileMode);
    if (leaf === null) continue;
    if ('read' in leaf) {
      changed.push({ at: out.length, abs, mode: leaf.mode });
      out.push([e.path, { mode: leaf.mode, oid: '' }]); // the oid is filled in below
    } else out.push([e.path, leaf]);
  }
  const hashed = await mapLimit(changed, 16, async (c) => {
    const content = await readCurrent(c.abs, c.mode);
    contents?.set(out[c.at]![0], content);
    return { mode: c.mode, oid: await store('blob', content) };
  });
  changed.forEach((c, i) => (out[c.at]![1] = hashed[i]!));
  return out;
}

/** The tree of `leaves` plus `extraFiles` (which replace tracked files of the same path). */
async function treeOf(leaves: [string, Leaf][], extraFiles: Record<string, string | Uint8Array>, store: WriteObject): Promise<string> {
  const extras = Object.entries(extraFiles).map(([path, content]) => [checkExtraPath(path), content] as const);
  const builder = new TreeBuilder();
  for (const [path, leaf] of leaves) builder.add(path, leaf);
  const extraLeaves = await Promise.all(
    extras.map(async ([, content]) => ({
      mode: '100644',
      oid: await store('blob', typeof content === 'string' ? Buffer.from(content) : content),
    })),
  );
  extras.forEach(([path], i) => builder.add(path, extraLeaves[i]!));
  return builder.write(store);
}

/**
 * One entry per path. During a merge conflict a path has stages 1–3 instead of 0; its work-tree
 * file is what the user resolved it to, so it is kept once (preferring "ours") and marked for
 * re-reading.
 */
function trackedEntries(index: GitIndex): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const e of index.entries) {
    const last = out[out.length - 1];
    if (last && last.path === e.path) {
      if (e.stage === 2) out[out.length - 1] = e;
      continue;
    }
    out.push(e);
  }
  return out;
}

/**
 * A tracked path as the work tree has it now: the index's leaf when the stat data proves it
 * unchanged, `{ mode, read: true }` when its content must be hashed, null when the file is gone.
 * Synchronous on purpose: `lstatSync` is ~4x faster than the thread-pool `lstat` for thousands
 * of small calls, and a snapshot has nothing else to do meanwhile (Git's own status does the same).
 */
function statLeaf(abs: string, e: IndexEntry, index: GitIndex, fileMode: boolean): Leaf | { mode: string; read: true } | null {
  if (e.mode === '160000' || e.mode === '040000' || e.skipWorktree || e.assumeValid) return { mode: e.mode, oid: e.oid };
  let st: BigIntStats | undefined;
  try {
    st = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    if (isErrno(err, 'ENOTDIR')) return null; // a parent directory became a file
    throw err;
  }
  if (!st) return null;
  let mode: string;
  if (st.isSymbolicLink()) mode = '120000';
  else if (!st.isFile())
    return null; // replaced by a directory (or a socket): Git records a deletion
  else if (!fileMode) mode = e.mode === '100755' ? '100755' : '100644';
  else mode = st.mode & 0o100n ? '100755' : '100644';
  if (e.stage === 0 && !e.intentToAdd && mode === e.mode && statMatches(e, st) && !racy(e, index)) {
    return { mode, oid: e.oid };
  }
  return { mode, read: true };
}

function readCurrent(abs: string, mode: string): Promise<Uint8Array> {
  return mode === '120000' ? readlink(abs, { encoding: 'buffer' }) : readFile(abs);
}

const NS = 1_000_000_000n;
const U32 = 0xffffffffn;

function statMatches(e: IndexEntry, st: BigIntStats): boolean {
  return (
    Number((st.mtimeNs / NS) & U32) === e.mtimeSec &&
    Number(st.mtimeNs % NS) === e.mtimeNsec &&
    Number((st.ctimeNs / NS) & U32) === e.ctimeSec &&
    Number(st.ctimeNs % NS) === e.ctimeNsec &&
    Number(st.size & U32) === e.size &&
    Number(st.ino & U32) === e.ino
  );
}

/** Modified in the same instant the index was written: the stat data cannot prove it clean. */
function racy(e: IndexEntry, index: GitIndex): boolean {
  return BigInt(e.mtimeSec) * NS + BigInt(e.mtimeNsec) >= index.mtimeNs;
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
