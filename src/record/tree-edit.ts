import { ReproError } from '../core/errors.js';
import { catObject } from './git.js';
import { objectId, writeObjects, type GitObject } from './objects.js';
import type { RepoInfo } from './repoinfo.js';

/** A tree entry that is not a tree: 100644, 100755, 120000 or 160000, and its object id. */
export interface Leaf {
  mode: string;
  oid: string;
}

/** A directory: its stored tree (null when new), its entries once read, and whether it changed. */
interface Dir {
  oid: string | null;
  entries: Map<string, Leaf | Dir> | null;
  changed: boolean;
}

const isDir = (e: Leaf | Dir): e is Dir => 'entries' in e;

/**
 * A tree edited in memory from a base tree, then written, giving the tree `git read-tree <base>`,
 * `git update-index --add --replace --index-info` with the same edits, and `git write-tree` give:
 * an edit replaces whatever is at its path (a file where a directory is needed, a directory where
 * a file goes), directories left without a file are dropped, and every directory on an edited
 * path is written anew (entries in Git's order, file modes as the index keeps them) while the
 * others keep their stored trees. Names are kept as bytes (latin1 strings here), so a path Git
 * stored in another encoding survives. Trees are read through the repository's cat-file reader.
 */
export class TreeEdit {
  private readonly root: Dir;
  private empty: string | undefined;

  constructor(
    private readonly repo: RepoInfo,
    base: string | null,
  ) {
    this.root = { oid: base, entries: base ? null : new Map(), changed: base === null };
  }

  /** Put `leaf` at `path` (repo-relative), as `update-index --add --replace` adds an entry. */
  async put(path: string, leaf: Leaf): Promise<void> {
    checkIndexPath(path, leaf.mode);
    const names = keyOf(path).split('/');
    const last = names.pop()!;
    let dir = await this.open(this.root);
    for (const name of names) {
      const e = dir.entries!.get(name);
      if (e && isDir(e)) dir = await this.open(e);
      else {
        const sub: Dir = { oid: null, entries: new Map(), changed: true };
        dir.entries!.set(name, sub);
        dir = sub;
      }
    }
    dir.entries!.set(last, leaf);
  }

  /** Take the file at `path` out (a mode-0 `--index-info` line): a directory there stays. */
  async remove(path: string): Promise<void> {
    const names = keyOf(path).split('/');
    const last = names.pop()!;
    let dir = await this.open(this.root);
    for (const name of names) {
      const e = dir.entries!.get(name);
      if (!e || !isDir(e)) return;
      dir = await this.open(e);
    }
    const e = dir.entries!.get(last);
    if (e && !isDir(e)) dir.entries!.delete(last);
  }

  /**
   * Write the changed trees (and `blobs`, whose ids the edits used) in one `git unpack-objects`,
   * and return the root tree's id. Nothing is written when the tree is the base tree.
   */
  async write(blobs: Buffer[]): Promise<string> {
    const objects: GitObject[] = blobs.map((content) => ({ type: 'blob', content }));
    const oid = this.serialize(this.root, objects);
    if (oid !== this.root.oid) await writeObjects(this.repo, objects);
    return oid;
  }

  private async open(dir: Dir): Promise<Dir> {
    dir.changed = true;
    if (dir.entries) return dir;
    const obj = await catObject(this.repo.root, dir.oid!);
    if (obj?.type !== 'tree') throw new ReproError('E_GIT', `git tree not found: '${dir.oid}'`);
    dir.entries = parseTree(obj.content, dir.oid!.length / 2);
    return dir;
  }

  /** The id of `dir`'s tree; a changed one is appended to `out`, after the trees it holds. */
  private serialize(dir: Dir, out: GitObject[]): string {
    if (!dir.changed) return dir.oid!;
    const rows: [string, string, string, string][] = []; // sort key (a directory's name ends in '/'), name, mode, oid
    for (const [name, e] of dir.entries!) {
      if (!isDir(e)) {
        rows.push([name, name, e.mode, e.oid]);
        continue;
      }
      // A directory without files is not in an index, so write-tree leaves it out.
      const oid = this.serialize(e, out);
      if (oid === this.emptyTree()) continue;
      rows.push([name + '/', name, '40000', oid]);
    }
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const parts: Buffer[] = [];
    for (const [, name, mode, oid] of rows) {
      parts.push(Buffer.from(`${mode} ${name}\0`, 'latin1'), Buffer.from(oid, 'hex'));
    }
    const tree: GitObject = { type: 'tree', content: Buffer.concat(parts) };
    out.push(tree);
    return objectId(this.repo, tree);
  }

  private emptyTree(): string {
    return (this.empty ??= objectId(this.repo, { type: 'tree', content: Buffer.alloc(0) }));
  }
}

/** A tree object's entries by name (latin1); file modes as `read-tree` puts them in an index. */
function parseTree(content: Buffer, oidBytes: number): Map<string, Leaf | Dir> {
  const entries = new Map<string, Leaf | Dir>();
  for (let pos = 0; pos < content.length;) {
    const sp = content.indexOf(0x20, pos);
    const nul = content.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 1 + oidBytes > content.length) throw new ReproError('E_GIT', 'malformed git tree object');
    const mode = parseInt(content.toString('latin1', pos, sp), 8);
    const name = content.toString('latin1', sp + 1, nul);
    const oid = content.toString('hex', nul + 1, nul + 1 + oidBytes);
    pos = nul + 1 + oidBytes;
    const kind = mode & 0o170000;
    if (kind === 0o040000) entries.set(name, { oid, entries: null, changed: false });
    else entries.set(name, { mode: kind === 0o120000 ? '120000' : kind === 0o160000 ? '160000' : mode & 0o100 ? '100755' : '100644', oid });
  }
  return entries;
}

/** A path as a latin1 string of its UTF-8 bytes, the form tree names are kept in here. */
function keyOf(path: string): string {
  return Buffer.from(path, 'utf8').toString('latin1');
}

/**
 * The paths `git update-index` refuses (its verify_path, with core.protectNTFS as Git defaults
 * it): an empty, `.` or `..` component, `.git` in any case or NTFS spelling (`.git.`, `git~1`),
 * and a symlink named `.gitmodules`.
 */
function checkIndexPath(path: string, mode: string): void {
  const bad = path.split('/').some((c) => c === '' || c === '.' || c === '..' || /^(\.git|git~1)[. ]*(:.*)?$/i.test(c));
  const link = mode === '120000' && /(^|\/)\.gitmodules$/i.test(path);
  if (bad || link) throw new ReproError('E_GIT', `git refuses the path for a snapshot (invalid path): '${path}'`);
}
