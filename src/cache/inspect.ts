import { readFileSync, rmSync } from 'node:fs';
import { ReproError, isErrno, isReproError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { hashFileContent } from './hash.js';
import { isDirHash, parseManifest } from './manifest.js';
import { missingObject } from './objects.js';
import type { ManifestEntry, VerifyResult } from './types.js';

/** Reading objects back: manifests, presence, and a full re-hash. */

/** The checked entries of a stored manifest; `E_CACHE` when it is missing or corrupt. */
export async function readManifest(ctx: Ctx, hash: string): Promise<ManifestEntry[]> {
  const path = ctx.store.objectPath(hash);
  if (!isDirHash(hash)) throw new ReproError('E_CACHE', `not a directory manifest: '${hash}'`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw missingObject(hash);
    throw e;
  }
  return parseManifest(text, hash);
}

/** Present (for `.dir`: the manifest readable and every member present with its size). */
export async function has(ctx: Ctx, hash: string): Promise<boolean> {
  if (!isDirHash(hash)) return ctx.store.stat(hash)?.isFile() ?? false;
  let entries: ManifestEntry[];
  try {
    entries = await readManifest(ctx, hash);
  } catch (e) {
    if (isReproError(e, 'E_CACHE')) return false;
    throw e;
  }
  for (const e of entries) {
    const st = ctx.store.stat(e.hash);
    if (!st || st.size !== e.size) return false;
    const y = ctx.tick();
    if (y) await y;
  }
  return true;
}

/** Re-hash the object and, for `.dir`, each distinct member; optionally delete corrupt ones. */
export async function verify(ctx: Ctx, hash: string, opts: { remove?: boolean } = {}): Promise<VerifyResult> {
  const out: VerifyResult = { missing: [], corrupt: [] };
  const bad = (h: string): void => {
    out.corrupt.push(h);
    if (opts.remove) rmSync(ctx.store.objectPath(h), { force: true });
  };
  let members: string[] = [hash];
  if (isDirHash(hash)) {
    if (!ctx.store.stat(hash)) return { missing: [hash], corrupt: [] };
    try {
      members = [...new Set((await readManifest(ctx, hash)).map((e) => e.hash))];
    } catch (e) {
      if (!isReproError(e, 'E_CACHE')) throw e;
      bad(hash);
      return out;
    }
  }
  for (const h of members) {
    const path = ctx.store.objectPath(h);
    if (!ctx.store.stat(h)) {
      out.missing.push(h);
      continue;
    }
    const r = await hashFileContent(path, { tick: ctx.tick });
    if (r.hash !== h) bad(h);
  }
  return out;
}
