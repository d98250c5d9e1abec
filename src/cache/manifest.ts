import { createHash } from 'node:crypto';
import { ReproError } from '../core/errors.js';
import { sha256 } from '../core/canonical.js';
import type { ManifestEntry, PathInfo } from './types.js';

/**
 * Directory manifests: the files of a directory (nested directories flattened to POSIX paths,
 * empty directories not recorded), sorted by path in UTF-16 code-unit order, encoded as canonical
 * JSON (`canonicalJson(entries)`: keys `hash`, `mode`, `path`, `size` in that order). The manifest
 * is itself an object named `sha256(encoding) + '.dir'`. test/cache/manifest.test.ts pins a digest.
 */

export const DIR_SUFFIX = '.dir';
const FILE_HASH = /^[0-9a-f]{64}$/;
const WINDOWS = process.platform === 'win32';
/** An empty, `.` or `..` segment anywhere (also catches a leading or trailing `/`). */
const BAD_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** `canonicalJson(entries)`, written out by hand (see `encodeEntry`). */
export function encodeManifest(entries: readonly ManifestEntry[]): string {
  return `[${entries.map((e) => encodeEntry(e.path, e.hash, e.mode, e.size)).join(',')}]`;
}

/** Characters `JSON.stringify` escapes in a string (controls, quote, backslash, lone surrogates). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** One entry as `canonicalJson` writes it; quotes plain paths without calling JSON.stringify. */
export function encodeEntry(path: string, hash: string, mode: number, size: number): string {
  const q = NEEDS_ESCAPE.test(path) ? JSON.stringify(path) : `"${path}"`;
  return `{"hash":"${hash}","mode":${mode},"path":${q},"size":${size}}`;
}

/** The object name of an encoded manifest. */
export function manifestHash(encoded: string): string {
  return sha256(encoded) + DIR_SUFFIX;
}

/**
 * Builds a manifest from entries arriving in order, hashing as it goes, so a 100k-file status
 * keeps no per-file objects. The text goes to `sink` in chunks of ~64 KiB when one is given (a
 * store writes it to a temp file as it goes: at 1M files the whole text is ~150 MB, and keeping
 * it, joining it and copying it into a Buffer cost three times that in memory).
 */
export class ManifestBuilder {
  private readonly h = createHash('sha256');
  private readonly sink: ((chunk: string) => void) | undefined;
  private pending = '[';
  private prev: string | undefined;
  private nfiles = 0;
  private size = 0;

  constructor(opts: { sink?: (chunk: string) => void } = {}) {
    this.sink = opts.sink;
  }

  add(path: string, hash: string, size: number, mode: number): void {
    if (this.prev !== undefined && !(this.prev < path)) throw new Error(`manifest entries out of order at '${path}'`);
    this.prev = path;
    const part = (this.nfiles ? ',' : '') + encodeEntry(path, hash, mode, size);
    this.nfiles++;
    this.size += size;
    this.pending += part;
    if (this.pending.length >= 1 << 16) this.drain();
  }

  finish(): PathInfo {
    this.pending += ']';
    this.drain();
    return { hash: this.h.digest('hex') + DIR_SUFFIX, size: this.size, nfiles: this.nfiles, isDir: true };
  }

  private drain(): void {
    this.h.update(this.pending);
    this.sink?.(this.pending);
    this.pending = '';
  }
}

export function isDirHash(hash: string): boolean {
  return hash.endsWith(DIR_SUFFIX);
}

/** Code-unit order, the order canonical JSON sorts keys in. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Parse and check a stored manifest. Anything that could make `checkout` write outside its
 * destination or write one path twice is rejected, as is content that does not hash to `hash`.
 */
export function parseManifest(text: string, hash: string): ManifestEntry[] {
  const bad = badManifest(hash);
  const files = new Set<string>();
  let prev: string | undefined;
  const out: ManifestEntry[] = [];
  for (const raw of listOf(text, hash, bad)) {
    const e = checkedEntry(raw, bad);
    const path = e.path;
    if (typeof path !== 'string' || !isSafeRelPath(path)) throw bad(`unsafe path ${JSON.stringify(path)}`);
    if (prev !== undefined && comparePaths(prev, path) >= 0) throw bad(`'${path}' is out of order`);
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      if (files.has(path.slice(0, i))) throw bad(`'${path.slice(0, i)}' is both a file and a directory`);
    }
    files.add(path);
    prev = path;
    out.push({ path, hash: e.hash, size: e.size, mode: e.mode });
  }
  return out;
}

/**
 * What moving or keeping a stored manifest's objects needs of it (a push, a fetch, gc): each
 * file's object, size and exec bit, with the text checked against `hash` and each entry's hash,
 * size and mode checked as `parseManifest` checks them. The paths are not looked at, for nothing
 * is written under them here: `checkout` reads a manifest with `parseManifest` before it writes
 * a path. (At 10k entries the path checks were a third of a 10k-file fetch's parse.)
 */
export function manifestMembers(text: string, hash: string): { hash: string; size: number; exec: boolean }[] {
  const bad = badManifest(hash);
  const list = listOf(text, hash, bad);
  const out = new Array<{ hash: string; size: number; exec: boolean }>(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = checkedEntry(list[i], bad);
    out[i] = { hash: e.hash, size: e.size, exec: e.mode === 0o755 };
  }
  return out;
}

type Bad = (why: string) => ReproError;

const badManifest =
  (hash: string): Bad =>
  (why) =>
    new ReproError('E_CACHE', `corrupt directory manifest '${hash}': ${why}`, {
      hint: "delete the object and run the stage again ('repro run')",
    });

/** The manifest's entries, unchecked, once its text hashes to `hash` and is a JSON list. */
function listOf(text: string, hash: string, bad: Bad): unknown[] {
  if (manifestHash(text) !== hash) throw bad('content does not match its hash');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) throw bad('not JSON');
    throw e;
  }
  if (!Array.isArray(parsed)) throw bad('not a list');
  return parsed as unknown[];
}

/** An entry whose hash, size and mode are as a manifest's must be (its path unchecked). */
function checkedEntry(raw: unknown, bad: Bad): ManifestEntry {
  const e = raw as Partial<ManifestEntry> | null;
  if (typeof e !== 'object' || e === null) throw bad('an entry is not an object');
  const { path, hash, size, mode } = e;
  const name = typeof path === 'string' ? path : JSON.stringify(path);
  if (typeof hash !== 'string' || !FILE_HASH.test(hash)) throw bad(`bad hash for '${name}'`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`bad size for '${name}'`);
  if (mode !== 0o644 && mode !== 0o755) throw bad(`bad mode for '${name}'`);
  return e as ManifestEntry;
}

/**
 * Relative, POSIX, no empty/`.`/`..` segments, no NUL. A backslash is an ordinary name character on
 * POSIX but a separator on Windows, so it is refused there only.
 */
export function isSafeRelPath(p: string): boolean {
  return p !== '' && !BAD_SEGMENT.test(p) && !p.includes('\0') && !(WINDOWS && p.includes('\\'));
}
