import { readFileSync } from 'node:fs';
import { ReproError, isErrno, isReproError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { hashFileContent } from './hash.js';
import { isDirHash, parseManifest } from './manifest.js';
import { missingObject } from './objects.js';
import type { ObjectState } from './trust.js';
import type { CheckResult, ManifestEntry, CacheVerifyResult } from './types.js';

/** Reading objects back: manifests, presence and trust, and a full re-hash. */

/** The checked entries of a stored manifest; `E_CACHE` when it is missing or corrupt. */
export async function readManifest(ctx: Ctx, hash: string): Promise<ManifestEntry[]> {
  const path = ctx.store.objectPath(hash);
  if (!isDirHash(hash)) throw new ReproError('E_CACHE', `not a directory manifest: '${hash}'`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw missingObject(hash, ctx.store);
    throw e;
  }
  return parseManifest(text, hash);
}

export function verifyObject(ctx: Ctx, hash: string): Promise<ObjectState> {
  ctx.store.objectPath(hash); // E_CACHE for a malformed name
  return ctx.store.trust.state(hash);
}

/**
 * The object and, for `.dir`, the manifest and each distinct member, verified through trust.ts
 * (hashed once per stat signature). Bad objects are quarantined unless `quarantine: false`.
 * A manifest that hashes to its name but does not parse (a hostile one) counts as corrupt.
 */
export async function check(ctx: Ctx, hash: string, opts: { quarantine?: boolean } = {}): Promise<CheckResult> {
  const out: CheckResult = { ok: true, missing: [], corrupt: [] };
  const bad = (h: string): void => {
    out.corrupt.push(opts.quarantine === false ? { hash: h, path: ctx.store.objectPath(h), movedTo: null } : ctx.store.trust.bad(h));
  };
  const one = async (h: string): Promise<boolean> => {
    const s = await verifyObject(ctx, h);
    if (s === 'missing') out.missing.push(h);
    else if (s === 'corrupt') bad(h);
    return s === 'good';
  };
  if (await one(hash)) {
    if (isDirHash(hash)) {
      let entries: ManifestEntry[] | undefined;
      try {
        entries = await readManifest(ctx, hash);
      } catch (e) {
        if (!isReproError(e, 'E_CACHE')) throw e;
        bad(hash);
      }
      for (const h of new Set(entries?.map((e) => e.hash))) await one(h);
    }
  }
  out.ok = out.missing.length === 0 && out.corrupt.length === 0;
  return out;
}

/** Present and good (see `check`). */
export async function has(ctx: Ctx, hash: string): Promise<boolean> {
  return (await check(ctx, hash)).ok;
}

/**
 * Re-hash the object and, for `.dir`, each distinct member, ignoring earlier verifications;
 * with `remove`, corrupt ones are quarantined (moved into `bad/`, not deleted).
 */
export async function verify(ctx: Ctx, hash: string, opts: { remove?: boolean } = {}): Promise<CacheVerifyResult> {
  const out: CacheVerifyResult = { missing: [], corrupt: [] };
  const bad = (h: string): void => {
    out.corrupt.push(h);
    if (opts.remove) ctx.store.trust.quarantine(h);
    else ctx.store.trust.forget(h);
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
