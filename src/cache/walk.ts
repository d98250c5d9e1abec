import { readdirSync, lstatSync, statSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { fileStat, type FileStat } from './statcache.js';
import { ReproError, isErrno } from '../core/errors.js';
import type { Tick } from './hash.js';

/**
 * Listing a directory output, synchronously (see hash.ts for why) with cooperative yields.
 *
 * Symlinks inside a directory output: a link to a regular file inside the directory, or inside the
 * cache's object store (what a `symlink` checkout leaves), is stored as that file's content, so a
 * checkout materialises it as a file (the link itself is not preserved). A link that is dangling,
 * leads elsewhere, or names a directory is refused: storing it would make the output depend on
 * something outside it, or could loop. Sockets, FIFOs and devices are refused too.
 */

export interface WalkFile {
  /** Relative to the walked root, POSIX separators. */
  rel: string;
  abs: string;
  /** Absolute parent directory and base name: the stat-cache key. */
  dir: string;
  name: string;
  /** From `lstat`, or the target's `stat` for a symlink. */
  st: FileStat;
  isLink: boolean;
}

export interface WalkOptions {
  /** Real paths that in-output symlinks may resolve into besides the root itself (the object store). */
  allowedTargets: string[];
  tick: Tick;
  /** Each file, in manifest order (code-unit order of `rel`); awaited when it returns a promise. */
  onFile: (f: WalkFile) => Promise<void> | void;
  /** Each directory (absolute) with every name listed in it, when it has been read. */
  onDir?: (abs: string, names: string[]) => void;
}

/**
 * Stream the files under `root` (an existing directory) to `onFile`, sorted, without keeping them:
 * 100k retained file records cost more in garbage collection than the walk itself.
 */
export async function walkDir(root: string, opts: WalkOptions): Promise<void> {
  const realRoot = realpathSync(root);
  const inside = [realRoot, ...opts.allowedTargets].map((p) => (p.endsWith(sep) ? p : p + sep));

  // Depth-first over names sorted with '/' appended to directories: this visits files in the
  // same order as sorting their full relative paths, without a global sort.
  const visit = async (abs: string, relPrefix: string): Promise<void> => {
    const ents = readSorted(abs);
    opts.onDir?.(abs, ents.map((e) => e.ent.name));
    const base = abs.endsWith(sep) ? abs : abs + sep;
    for (const { ent } of ents) {
      const childAbs = base + ent.name;
      const rel = relPrefix + ent.name;
      if (ent.isDirectory()) {
        await visit(childAbs, rel + '/');
        continue;
      }
      let st: Stats | undefined;
      const isLink = ent.isSymbolicLink();
      if (isLink) {
        st = resolveLink(childAbs, rel, inside);
      } else {
        st = lstatSync(childAbs, { throwIfNoEntry: false });
        if (st?.isDirectory()) {
          await visit(childAbs, rel + '/'); // the entry changed type since readdir
          continue;
        }
      }
      if (st === undefined) continue; // removed since readdir
      if (!st.isFile()) {
        throw new ReproError('E_CACHE', `cannot store a special file in an output: '${childAbs}'`, {
          hint: 'outputs may hold regular files, directories and symlinks to files inside them',
        });
      }
      const p = opts.onFile({ rel, abs: childAbs, dir: abs, name: ent.name, st: fileStat(st), isLink });
      if (p) await p;
      const y = opts.tick();
      if (y) await y;
    }
  };
  await visit(root, '');
}

function readSorted(abs: string): { key: string; ent: Dirent }[] {
  const out = readdirSync(abs, { withFileTypes: true }).map((ent) => ({
    key: ent.isDirectory() ? ent.name + '/' : ent.name,
    ent,
  }));
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out;
}

/** The target's stat for an acceptable in-output symlink (see the module comment); else throws. */
function resolveLink(abs: string, rel: string, inside: string[]): Stats {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ELOOP')) {
      throw new ReproError('E_NOT_FOUND', `symlink in an output points nowhere: '${abs}'`, {
        hint: 'remove the link or make it point to a file inside the output',
      });
    }
    throw e;
  }
  if (!inside.some((p) => real.startsWith(p))) {
    throw new ReproError('E_PATH_ESCAPE', `symlink in an output leads outside it: '${rel}' -> '${real}'`, {
      hint: 'copy the file into the output instead of linking to it',
    });
  }
  const st = statSync(abs);
  if (st.isDirectory()) {
    throw new ReproError('E_CACHE', `cannot store a symlink to a directory in an output: '${abs}'`, {
      hint: 'replace the link by the directory itself',
    });
  }
  return st;
}

export type TreeKind = 'file' | 'dir' | 'other';

/**
 * What is under `root` (no following of links, no stat): rel path → kind, parents before
 * children. Used by checkout to find what to remove. Symlinks count as `other`.
 */
export function listTree(root: string): Map<string, TreeKind> {
  const out = new Map<string, TreeKind>();
  const visit = (abs: string, relPrefix: string): void => {
    for (const ent of readdirSync(abs, { withFileTypes: true })) {
      const rel = relPrefix + ent.name;
      if (ent.isDirectory()) {
        out.set(rel, 'dir');
        visit(join(abs, ent.name), rel + '/');
      } else {
        out.set(rel, ent.isFile() ? 'file' : 'other');
      }
    }
  };
  visit(root, '');
  return out;
}
