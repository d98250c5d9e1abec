import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

/** File trees written and read inline (changesets' testdir style): real temp dirs, real files. */

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh empty directory (its real path), removed after the test file (read-only files included). */
export function tempDir(prefix = 'repro-test-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

/**
 * path → content. A string or Buffer is a file, mode 0644, except that a string at a path ending
 * `.sh` is a script, mode 0755; `{ content, exec }` sets the exec bit; `{ symlink }` makes a link.
 * An existing file or link at the path is replaced (a link is replaced, not written through).
 */
export type TreeSpec = Record<string, string | Buffer | { content: string | Buffer; exec?: boolean } | { symlink: string }>;

export function writeTree(root: string, spec: TreeSpec): void {
  for (const [rel, v] of Object.entries(spec)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    if (lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(abs);
    if (typeof v === 'object' && 'symlink' in v) {
      symlinkSync(v.symlink, abs);
      continue;
    }
    const plain = typeof v === 'string' || Buffer.isBuffer(v);
    writeFileSync(abs, plain ? v : v.content);
    const exec = plain ? typeof v === 'string' && rel.endsWith('.sh') : v.exec === true;
    chmodSync(abs, exec ? 0o755 : 0o644);
  }
}

/** A fresh temp directory (no Git) holding `spec`, removed after the test file. */
export function tempTree(spec: TreeSpec = {}, prefix?: string): string {
  const dir = tempDir(prefix);
  writeTree(dir, spec);
  return dir;
}

/** rel → content (symlinks as `-> target`), files only, sorted. */
export function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (abs: string, prefix: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const st = lstatSync(p);
      if (st.isDirectory()) visit(p, prefix + name + '/');
      else if (st.isSymbolicLink()) out[prefix + name] = `-> ${readlinkSync(p)}`;
      else out[prefix + name] = readFileSync(p, 'utf8');
    }
  };
  visit(root, '');
  return out;
}

/** The text of `dir/p`. */
export async function read(dir: string, p: string): Promise<string> {
  return readFile(join(dir, p), 'utf8');
}

/** Every directory under root (rel), for checking that extra ones are removed. */
export function listDirs(root: string): string[] {
  const out: string[] = [];
  const visit = (abs: string, prefix: string): void => {
    for (const ent of readdirSync(abs, { withFileTypes: true })) {
      if (!ent.isDirectory()) continue;
      out.push(prefix + ent.name);
      visit(join(abs, ent.name), prefix + ent.name + '/');
    }
  };
  visit(root, '');
  return out.sort();
}

/** Set mtime/atime an hour back, so stat-cache entries for the file are not racy. */
export function age(path: string, secondsAgo = 3600): void {
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(path, t, t);
}

/** Age every file under root. */
export function ageTree(root: string, secondsAgo = 3600): void {
  for (const ent of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (ent.isFile()) age(join(ent.parentPath, ent.name), secondsAgo);
  }
}

/** The SHA-256 of `data`, hex: a file's content hash as the cache names it. */
export function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * CHAIN: two stages, `a` drops comment lines from in.txt (so a comment-only edit leaves a.txt
 * byte-identical) and `b` appends the param b.suffix.
 */
export const CHAIN = {
  'in.txt': '# a comment\nhello\n',
  'params.yaml': 'b:\n  suffix: one\n',
  'repro.yaml': `version: 1
stages:
  a:
    cmd: grep -v '^#' in.txt > a.txt
    deps: [in.txt]
    outs: [a.txt]
  b:
    cmd: "cat a.txt > b.txt && echo \${b.suffix} >> b.txt"
    deps: [a.txt]
    params: [b.suffix]
    outs: [b.txt]
`,
};
