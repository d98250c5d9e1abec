import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { openCache } from '../../src/cache/index.js';
import type { Cache, LinkType } from '../../src/cache/index.js';

/** Inline trees for cache tests: real temp dirs and files (changesets' testdir style). */

const created: string[] = [];

/** A fresh temp dir, removed after the test file (read-only objects included: unlink ignores modes). */
export function tmp(prefix = 'repro-cache-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** path → content; a `{ content, exec }` value sets the exec bit. */
export type TreeSpec = Record<string, string | Buffer | { content: string | Buffer; exec: boolean }>;

export function writeTree(root: string, spec: TreeSpec): void {
  for (const [rel, v] of Object.entries(spec)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    const content = typeof v === 'string' || Buffer.isBuffer(v) ? v : v.content;
    writeFileSync(abs, content);
    chmodSync(abs, typeof v === 'object' && !Buffer.isBuffer(v) && v.exec ? 0o755 : 0o644);
  }
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

export function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A workspace and a cache below one temp dir. */
export function setup(opts: { linkTypes?: LinkType[]; statCache?: boolean } = {}): {
  root: string;
  ws: string;
  cacheDir: string;
  cache: Cache;
} {
  const root = tmp();
  const ws = join(root, 'ws');
  mkdirSync(ws);
  const cacheDir = join(root, 'cache');
  const cache = openCache({
    dir: cacheDir,
    linkTypes: opts.linkTypes,
    statCache: opts.statCache === false ? undefined : join(root, 'stat.json'),
  });
  return { root, ws, cacheDir, cache };
}
