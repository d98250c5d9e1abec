import { spawn } from 'node:child_process';
import type { Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The stat walk of a signature check through `repro-statwalk` (native/statwalk.c; built into
 * dist/native by `npm run build` when a C compiler is present). It prints, for each file under a
 * directory, exactly the bytes `SigBuilder.add` hashes for it in the Node walk, so the signature
 * is the hash of its output, and Node builds no object per file (a Node `lstat` is most of the
 * cost of a no-op status: a Stats object with four Dates per file).
 *
 * Starting it costs ~2-6 ms of the parent's CPU (a fork of Node), what the Node walk spends on
 * ~1,500 files, so it walks only directories last seen with at least `NATIVE_MIN_FILES` files
 * (`REPRO_STATWALK=native`: every directory, for tests; `REPRO_STATWALK=node`: none).
 *
 * Undefined when the helper is absent or not used, or the helper cannot vouch
 * for its bytes (exit 3: a name that is not UTF-8, a symlink the walk refuses, a special file, an
 * unreadable directory ...; or any other failure): the caller then walks in Node, which gives the
 * answer, or the error, it always gave. Only a match is concluded from these bytes, so a byte
 * that differs from the Node walk's costs a full walk, never a wrong answer.
 */

/** Path of the helper binary, from src/cache or dist/bundle alike. */
export const STATWALK_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'native', 'repro-statwalk');

let present: boolean | undefined;

/** How often the helper vouched for a walk, or declined one (for tests). */
export const statwalkCounters = { vouched: 0, declined: 0 };

export const NATIVE_MIN_FILES = 2000;

/** Whether a directory last seen with `nfiles` files is walked by the helper. */
export function statwalkFor(nfiles: number): boolean {
  const how = process.env.REPRO_STATWALK;
  if (how === 'node' || process.platform === 'win32') return false;
  if (how !== 'native' && nfiles < NATIVE_MIN_FILES) return false;
  return (present ??= existsSync(STATWALK_PATH));
}

/**
 * Feed `h` the signature bytes of the files under `root` (absolute) and give their count; symlinks
 * may resolve into `root` or into `allowedTargets` (real paths). `expected`: the recorded count.
 * Undefined: walk in Node instead.
 */
export function nativeSigWalk(root: string, allowedTargets: string[], h: Hash, expected: number): Promise<number | undefined> {
  if (!statwalkFor(expected)) return Promise.resolve(undefined);
  const args = [root, ...allowedTargets.map((p) => (p.endsWith('/') ? p : p + '/'))];
  return new Promise((resolve) => {
    let settled = false;
    const done = (n: number | undefined): void => {
      if (settled) return;
      settled = true;
      statwalkCounters[n === undefined ? 'declined' : 'vouched']++;
      resolve(n);
    };
    let err = '';
    let child;
    try {
      child = spawn(STATWALK_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      done(undefined);
      return;
    }
    child.stdout.on('data', (b: Buffer) => h.update(b));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', () => done(undefined));
    child.on('close', (code) => {
      const n = err.trim() === '' ? NaN : Number(err.trim());
      done(code === 0 && Number.isSafeInteger(n) ? n : undefined);
    });
  });
}
