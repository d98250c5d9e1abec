import { ReproError } from '../core/errors.js';
import type { ObjectType } from './objects.js';

/**
 * Builds nested Git trees from flat `path → {mode, oid}` leaves.
 *
 *   const b = new TreeBuilder();
 *   b.add('src/a.py', { mode: '100644', oid });
 *   const treeOid = await b.write(store);   // store hashes (and maybe writes) each tree object
 *
 * A later `add` replaces what an earlier one put at the same path, including a file standing
 * where a directory is needed and vice versa, so extra files can override tracked ones.
 * A leaf with mode 040000 is an already-built subtree (a sparse-index directory).
 */
export interface Leaf {
  mode: string;
  oid: string;
}

interface Dir {
  children: Map<string, Leaf | Dir>;
}

export type WriteObject = (type: ObjectType, content: Uint8Array) => Promise<string>;

const isDir = (n: Leaf | Dir): n is Dir => 'children' in n;

export class TreeBuilder {
  private readonly root: Dir = { children: new Map() };

  add(path: string, leaf: Leaf): void {
    const parts = path.split('/');
    let dir = this.root;
    for (const name of parts.slice(0, -1)) {
      let next = dir.children.get(name);
      if (next && !isDir(next) && next.mode === '040000') {
        throw new ReproError('E_GIT', `cannot add a file inside a sparse-index directory: '${path}'`, {
          hint: "expand the sparse index ('git sparse-checkout disable') or choose another path",
        });
      }
      if (!next || !isDir(next)) dir.children.set(name, (next = { children: new Map() }));
      dir = next;
    }
    dir.children.set(parts[parts.length - 1]!, leaf);
  }

  /** Remove a leaf added earlier; a no-op when there is none. Empty directories vanish on write. */
  delete(path: string): void {
    const parts = path.split('/');
    let dir: Dir | undefined = this.root;
    for (const name of parts.slice(0, -1)) {
      const next: Leaf | Dir | undefined = dir.children.get(name);
      if (!next || !isDir(next)) return;
      dir = next;
    }
    dir.children.delete(parts[parts.length - 1]!);
  }

  /** Hash every tree bottom-up through `store`; returns the root tree's id. */
  write(store: WriteObject): Promise<string> {
    return writeDir(this.root, store).then((r) => r ?? store('tree', new Uint8Array(0)));
  }
}

/** The tree id of `dir`, or null when it holds no files at any depth (Git does not store empty trees). */
async function writeDir(dir: Dir, store: WriteObject): Promise<string | null> {
  const named = await Promise.all(
    [...dir.children].map(async ([name, node]) => {
      if (!isDir(node)) return { name, mode: node.mode === '040000' ? '40000' : node.mode, oid: node.oid };
      const oid = await writeDir(node, store);
      return oid === null ? null : { name, mode: '40000', oid };
    }),
  );
  const entries = named.filter((e): e is Leaf & { name: string } => e !== null);
  if (entries.length === 0) return null;
  // Git orders tree entries by name bytes, comparing a subtree as if its name ended in '/'.
  const keyed = entries.map((e) => ({ e, key: Buffer.from(e.mode === '40000' ? `${e.name}/` : e.name) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { e } of keyed) parts.push(Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex'));
  return store('tree', Buffer.concat(parts));
}
