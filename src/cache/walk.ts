import { readdirSync, lstatSync, statSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { fileStat, type FileStat } from './statcache.js';
import { ReproError, isErrno, type ErrorCode, type SourcePos } from '../core/errors.js';
import type { Tick } from './hash.js';

/**
 * Listing a directory output, synchronously (see hash.ts for why) with cooperative yields.
 *
 * Symlinks inside a directory output: a link to a regular file inside the directory, or inside the
 * cache's object store (what a `symlink` checkout leaves), is stored as that file's content, so a
 * checkout materialises it as a file (the link itself is not preserved). A link that is dangling,
 * leads elsewhere, or names a directory is refused: storing it would make the output depend on
 * something outside it, or could loop. Sockets, FIFOs and devices are refused too. The same walk
 * hashes a directory dependency, under the same rules; the refusal is a WalkError worded for the
 * walked directory's role (`WalkOptions.role`) and naming the file under the directory's `label`.
 */

/** What the walked directory is to the caller, for the words of an error. */
export type WalkRole = 'output' | 'dependency';

/** `link-leaves-root`: a single-file output that is a symlink out of the workspace (save.ts). */
export type WalkProblem = 'link-escapes' | 'link-leaves-root' | 'link-dangling' | 'link-to-dir' | 'special-file';

/**
 * A file the walk refuses. `rel` is relative to the walked directory, shown as `label/rel`.
 * `restate` words the same problem for a caller that knows more (the directory's role, its
 * repo-relative path, where it is declared), keeping the code.
 */
export class WalkError extends ReproError {
  constructor(
    readonly problem: WalkProblem,
    readonly where: { role: WalkRole; label: string; rel: string; target: string | null },
    pos?: SourcePos,
  ) {
    const { code, message, hint } = wording(problem, where);
    super(code, message, { hint, pos });
  }

  restate(opts: { role: WalkRole; label: string; pos?: SourcePos }): WalkError {
    return new WalkError(this.problem, { ...this.where, role: opts.role, label: opts.label }, opts.pos);
  }
}

function wording(problem: WalkProblem, w: WalkError['where']): { code: ErrorCode; message: string; hint: string } {
  const path = w.label === '' ? w.rel : w.rel === '' ? w.label : `${w.label.replace(/[\\/]+$/, '')}/${w.rel}`;
  const inA = w.role === 'output' ? 'in an output' : 'in a dependency';
  const verb = w.role === 'output' ? 'store' : 'hash';
  switch (problem) {
    case 'link-escapes':
      return {
        code: 'E_PATH_ESCAPE',
        message: `symlink ${inA} leads outside it: '${path}' -> '${w.target}'`,
        hint: `copy the file into the ${w.role} instead of linking to it`,
      };
    case 'link-leaves-root':
      return {
        code: 'E_PATH_ESCAPE',
        message: `${w.role} is a symlink leading outside the workspace: '${path}' -> '${w.target}'`,
        hint: `copy the file into the workspace instead of linking to it`,
      };
    case 'link-dangling':
      return {
        code: 'E_NOT_FOUND',
        message: `symlink ${inA} points nowhere: '${path}'`,
        hint: `remove the link or make it point to a file inside the ${w.role}`,
      };
    case 'link-to-dir':
      return {
        code: 'E_CACHE',
        message: `cannot ${verb} a symlink to a directory ${inA}: '${path}'`,
        hint: 'replace the link by the directory itself',
      };
    case 'special-file':
      return {
        code: 'E_CACHE',
        message: `cannot ${verb} a special file ${inA}: '${path}'`,
        hint: `${w.role === 'output' ? 'outputs' : 'a dependency directory'} may hold regular files, directories and symlinks to files inside ${w.role === 'output' ? 'them' : 'it'}`,
      };
  }
}

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
  /** Default 'output'. */
  role?: WalkRole;
  /** How errors name the walked directory; default `root` as given. */
  label?: string;
}

/**
 * Stream the files under `root` (an existing directory) to `onFile`, sorted, without keeping them:
 * 100k retained file records cost more in garbage collection than the walk itself.
 */
export async function walkDir(root: string, opts: WalkOptions): Promise<void> {
  const realRoot = realpathSync(root);
  const inside = [realRoot, ...opts.allowedTargets].map((p) => (p.endsWith(sep) ? p : p + sep));
  const fail = (problem: WalkProblem, rel: string, target: string | null = null): WalkError =>
    new WalkError(problem, { role: opts.role ?? 'output', label: opts.label ?? root, rel, target });

  // Depth-first over names sorted with '/' appended to directories: this visits files in the
  // same order as sorting their full relative paths, without a global sort.
  const visit = async (abs: string, relPrefix: string): Promise<void> => {
    const ents = readSorted(abs);
    opts.onDir?.(
      abs,
      ents.map((e) => e.ent.name),
    );
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
        st = resolveLink(childAbs, rel, inside, fail);
      } else {
        st = lstatSync(childAbs, { throwIfNoEntry: false });
        if (st?.isDirectory()) {
          await visit(childAbs, rel + '/'); // the entry changed type since readdir
          continue;
        }
      }
      if (st === undefined) continue; // removed since readdir
      if (!st.isFile()) throw fail('special-file', rel);
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
function resolveLink(abs: string, rel: string, inside: string[], fail: (p: WalkProblem, rel: string, target?: string) => WalkError): Stats {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ELOOP')) throw fail('link-dangling', rel);
    throw e;
  }
  if (!inside.some((p) => real.startsWith(p))) throw fail('link-escapes', rel, real);
  const st = statSync(abs);
  if (st.isDirectory()) throw fail('link-to-dir', rel);
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
