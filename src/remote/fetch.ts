import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { isReproError } from '../core/errors.js';
import { mark } from '../core/timing.js';
import { remoteError } from './errors.js';
import { fetchBulk } from './fetch-bulk.js';
import { BodyFailure, writeHashed } from './write-hashed.js';
import { objectKey } from './keys.js';
import { RangedAborted } from './ranged.js';
import { runPool } from './pool.js';
import type { LocalObjects, TransferOptions } from './transfer.js';
import type { Backend } from './types.js';

/**
 * Fetch, the other half of the transfer loop (transfer.ts): download what the local cache lacks
 * (manifests first, then the files they name), hashing each on the way; only an object whose
 * bytes hash to its name enters the cache. Anything else is reported by key and dropped. A big
 * object goes through the cache's temp directory and `install`; a small one is written beside its
 * name (`writeSmall`); many small files of a backend that moves them in bulk go in one call
 * (fetch-bulk.ts). Each way, a good object already in the cache is kept.
 */

/** Objects up to this size are downloaded into memory and written in one go. */
const SMALL_OBJECT = 1 << 20;

/** What a manifest says of a file it names (nothing for an object asked for directly). */
export interface Meta {
  size?: number;
  exec?: boolean;
}

export interface FetchResult {
  total: number;
  downloaded: number;
  /** Already in the local cache. */
  present: number;
  bytes: number;
  /** Not on the remote. */
  missing: string[];
  /** On the remote, but its bytes do not hash to its name (or the size is wrong): not stored. */
  corrupt: { hash: string; key: string }[];
  interrupted: boolean;
}

export async function fetchObjects(
  backend: Backend,
  local: LocalObjects,
  wanted: Iterable<string>,
  opts: TransferOptions & { manifestsOnly?: boolean },
): Promise<FetchResult> {
  const res: FetchResult = { total: 0, downloaded: 0, present: 0, bytes: 0, missing: [], corrupt: [], interrupted: false };
  const top = [...new Set(wanted)];
  if (top.length) await backend.probe?.();
  const dirs = top.filter((h) => h.endsWith('.dir'));
  const need = new Map<string, Meta>();
  for (const h of top) if (!h.endsWith('.dir')) need.set(h, {});
  let done = 0;
  const tick = opts.onProgress
    ? (): void => opts.onProgress!({ phase: 'downloading', done: ++done, total: need.size + dirs.length, bytes: res.bytes, totalBytes: 0 })
    : (): void => undefined;

  // Manifests first: the files to fetch are known only once they are here. A local object that
  // fails verification was moved aside by `local.verify` and counts as absent.
  const getDirs = await absent(local, dirs, opts);
  if (
    !(await runPool(
      getDirs,
      opts.jobs,
      async (h) => {
        await downloadOne(backend, local, h, {}, res, opts.signal);
        tick();
      },
      opts.signal,
    ))
  )
    return { ...res, interrupted: true };
  if (opts.manifestsOnly) return res;
  // Each pass over 10k files costs a fetch a few ms of not yet optimised JavaScript: no tuple or
  // object made per file where the manifest's entry will do, no destructuring in the loops.
  for (const h of dirs) {
    if (!local.stat(h)) continue; // missing or corrupt, already reported
    for (const m of await local.members(h)) {
      const prev = need.get(m.hash);
      need.set(m.hash, prev?.exec && !m.exec ? { size: m.size, exec: true } : m);
    }
  }
  mark('fetch: manifests read');
  res.total = dirs.length + need.size;
  const get: string[] = [];
  // In the cache but not as the manifest says (size, exec bit): the one-at-a-time path applies the
  // cache's rules to what is there; a bulk read would find the name taken and send it there anyway.
  const repair: string[] = [];
  const there: string[] = [];
  const lacks = local.lackCheck();
  need.forEach((meta, h) => {
    const have = lacks(h) ? undefined : local.stat(h);
    if (have && (meta.size === undefined || have.size === meta.size) && (!meta.exec || have.exec)) there.push(h);
    else (have ? repair : get).push(h);
  });
  for (const h of await absent(local, there, opts)) get.push(h);
  res.present = res.total - get.length - repair.length - getDirs.length;
  // Many small files at once where the backend moves them in bulk (fetch-bulk.ts); the rest below.
  mark('fetch: planned');
  const bulk = backend.bulk?.(get.length + repair.length);
  const left = bulk?.read ? await fetchBulk(bulk, local, get, need, res, tick, opts) : { rest: get, interrupted: false };
  left.rest.push(...repair);
  if (bulk?.read) mark('fetch: bulk done');
  if (left.interrupted) return { ...res, interrupted: true };
  if (
    !(await runPool(
      left.rest,
      opts.jobs,
      async (h) => {
        await downloadOne(backend, local, h, need.get(h)!, res, opts.signal);
        tick();
      },
      opts.signal,
    ))
  )
    res.interrupted = true;
  return res;
}

/** Of `hashes` (each present locally or not), those that are absent or fail verification. */
async function absent(local: LocalObjects, hashes: string[], opts: TransferOptions): Promise<string[]> {
  const out: string[] = [];
  await runPool(
    hashes,
    Math.min(opts.jobs, 8),
    async (h) => {
      if (!local.stat(h) || (await local.verify(h)) !== 'good') out.push(h);
    },
    opts.signal,
  );
  return out;
}

/** Whether bytes with sha256 `digest` and `size` are the object `hash` (of the manifest's size, when known). */
const matches = (hash: string, digest: string, size: number, meta: { size?: number }): boolean =>
  digest === hash.replace(/\.dir$/, '') && (meta.size === undefined || size === meta.size);

/** Download one object into the cache's temp dir, hash it on the way, and install it only when it matches. */
async function downloadOne(
  backend: Backend,
  local: LocalObjects,
  hash: string,
  meta: Meta,
  res: FetchResult,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (backend.readSmall && (meta.size === undefined || meta.size <= SMALL_OBJECT) && (await fetchSmall(backend, local, hash, meta, res)))
    return;
  const key = objectKey(hash);
  const ranged = (n: number | undefined): n is number =>
    backend.download !== undefined && n !== undefined && n >= (backend.rangedFrom ?? Infinity);
  // A big file of a directory (size known from its manifest) goes straight to ranged reads; any
  // other object is asked for once, and a big one then continues as ranged reads instead.
  const obj = ranged(meta.size) ? { body: undefined, size: meta.size, exec: meta.exec ?? false } : await backend.get(key);
  if (!obj) {
    res.missing.push(hash);
    return;
  }
  const tmp = local.tempPath();
  const tRef = Date.now();
  const h = createHash('sha256');
  let size = 0;
  let digest: string | undefined;
  try {
    if (ranged(obj.size)) {
      obj.body?.destroy();
      digest = await backend.download!(key, tmp, obj.size, signal);
      if (digest === undefined) {
        await rm(tmp, { force: true });
        res.missing.push(hash);
        return;
      }
      size = obj.size;
    } else if (!obj.body) throw new Error(`no body for '${key}'`);
    else if (obj.size !== undefined && obj.size <= SMALL_OBJECT) {
      // Small: gather, hash, one write (a stream per small file costs more than its bytes).
      const parts: Buffer[] = [];
      try {
        for await (const chunk of obj.body as AsyncIterable<Buffer>) {
          h.update(chunk);
          size += chunk.length;
          parts.push(chunk);
          if (size > SMALL_OBJECT) break; // longer than announced: the hash check below fails it
        }
      } catch (e) {
        throw new BodyFailure(e);
      }
      if (size > SMALL_OBJECT) obj.body.destroy();
      await writeFile(tmp, parts.length === 1 ? parts[0]! : Buffer.concat(parts), { flag: 'wx' });
    } else ({ size, digest } = await writeHashed(obj.body as AsyncIterable<Buffer>, tmp));
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof RangedAborted) {
      res.interrupted = true; // nothing kept; the next fetch downloads it again
      return;
    }
    if (isReproError(e)) throw e;
    // A local write failure (disk full): the OS error says it. A reset connection also carries
    // a syscall (`read`), but it arrives as the body's failure.
    if (!(e instanceof BodyFailure) && (e as NodeJS.ErrnoException).syscall) throw e;
    throw remoteError(
      backend.label,
      `download of '${key}' was cut off: ${(e as Error).message}`,
      'run again: what was downloaded completely is kept',
      e,
    );
  }
  if (!matches(hash, digest ?? h.digest('hex'), size, meta)) {
    await rm(tmp, { force: true });
    res.corrupt.push({ hash, key });
    return;
  }
  await local.install(tmp, hash, size, meta.exec ?? obj.exec, tRef);
  res.downloaded++;
  res.bytes += size;
}

/**
 * `downloadOne` for a backend with `readSmall`: the object's bytes read whole, hashed, and only
 * when they match written to the cache's temp dir and installed; a mismatch never touches the
 * cache. False when the object is too big for it (the caller goes on with `get`).
 */
async function fetchSmall(backend: Backend, local: LocalObjects, hash: string, meta: Meta, res: FetchResult): Promise<boolean> {
  const key = objectKey(hash);
  const got = await backend.readSmall!(key, SMALL_OBJECT);
  if (got === 'large') return false;
  if (got === 'absent') {
    res.missing.push(hash);
    return true;
  }
  const size = got.data.length;
  if (!matches(hash, createHash('sha256').update(got.data).digest('hex'), size, meta)) {
    res.corrupt.push({ hash, key });
    return true;
  }
  // Beside its final name with its final mode, not through the cache's one temp directory: 10k
  // creates into one directory and a chmod each cost a 10k fetch ~2x a `cp -r` (docs/bench.md).
  // A local write failure (disk full) throws the OS error, which says it.
  local.writeSmall(hash, got.data, meta.exec ?? got.exec);
  res.downloaded++;
  res.bytes += size;
  return true;
}
