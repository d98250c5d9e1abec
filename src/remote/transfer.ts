import { objectFanout, objectKey, OBJECTS_PREFIX, parseObjectKey } from './keys.js';
import type { KnownSet } from './known.js';
import { runPool } from './pool.js';
import type { Backend } from './types.js';

/**
 * The transfer loop, the one owner of concurrency for moving cache objects. The local cache is
 * reached only through `LocalObjects` (ops wires it to `cache/`), so this module knows nothing of
 * stages, locks or Git.
 *
 * Push: expand directory manifests into their files; skip what the remote is known to hold
 * (`KnownSet`), then ask the remote about the rest once: a full listing (256 fan-out prefixes,
 * `jobs` at a time) when there are many, one HEAD each when there are few; upload what is left,
 * files first and each manifest only after every file it names is there.
 *
 * Fetch, the other direction, is fetch.ts.
 */

export interface LocalObject {
  path: string;
  size: number;
  exec: boolean;
  /** Its permission bits (`st_mode & 0o7777`) when known: a directory remote then skips a chmod. */
  mode?: number;
}

/**
 * A manifest's member not looked at yet, size and exec bit as the manifest gives them: a bulk
 * put checks the file itself; any other put `stat`s it first.
 */
interface Unchecked {
  size: number;
  exec: boolean;
  unchecked: true;
}

export interface LocalObjects {
  /** The cache object's file, or undefined when the local cache does not have it. */
  stat(hash: string): LocalObject | undefined;
  /**
   * For one transfer: a check that is true when the local cache certainly lacks the object,
   * cheaper than `stat` for many (an lstat per fan-out directory); false: ask `stat`.
   */
  lackCheck(): (hash: string) => boolean;
  /** Where the object's file is when the cache has it, without looking (`stat` looks). */
  path(hash: string): string;
  /** The objects directory: an object's file is `<objectsDir>/<2 hex>/<62 hex>[.dir]` (`path`). */
  readonly objectsDir: string;
  /** The files a manifest in the local cache names (throws E_CACHE when it is corrupt). */
  members(dirHash: string): Promise<{ hash: string; size: number; exec: boolean }[]>;
  /**
   * Whether the local object is good (hashed unless verified before at its current stat). An
   * object found corrupt is moved aside here, so it counts as absent and is fetched again.
   */
  verify(hash: string): Promise<'good' | 'missing' | 'corrupt'>;
  /** A fresh temp path on the cache's file system. */
  tempPath(): string;
  /** Move a verified temp file into the cache as `hash`; `tRef`: a time from before it was written. */
  install(tmp: string, hash: string, size: number, exec: boolean, tRef: number): Promise<boolean>;
  /**
   * A small object whose bytes the caller checked against `hash`, written beside its final name
   * with its final mode and renamed into place (no shared temp directory, no chmod); false when a
   * good object was already there.
   */
  writeSmall(hash: string, data: Uint8Array, exec: boolean): boolean;
}

export interface Progress {
  phase: 'checking' | 'uploading' | 'downloading';
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
}

export interface TransferOptions {
  jobs: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** `objects/ab/`: the fan-out prefix of a key. */
const OBJECTS_FANOUT_LEN = OBJECTS_PREFIX.length + 3;

/** Listing the whole remote pays off over HEAD-per-object past this many unknown objects. */
export const LIST_THRESHOLD = 500;

export interface PushResult {
  /** Objects named (files inside directories counted, manifests too). */
  total: number;
  uploaded: number;
  /** Already on the remote (remembered, listed or found). */
  present: number;
  bytes: number;
  /** Named but not in the local cache: could not be pushed. */
  missingLocal: string[];
  /** Manifests held back because a file they name could not be pushed. */
  heldBack: string[];
  interrupted: boolean;
}

export async function pushObjects(
  backend: Backend,
  local: LocalObjects,
  wanted: Iterable<string>,
  known: KnownSet,
  opts: TransferOptions,
): Promise<PushResult> {
  const res: PushResult = { total: 0, uploaded: 0, present: 0, bytes: 0, missingLocal: [], heldBack: [], interrupted: false };
  // A backend that moves objects in bulk checks each source as it reads it (`BulkIo.put`): the
  // members of a manifest are then not lstat'ed here one by one (10k of them: ~100 ms before the
  // first byte moves), only those that end up going another way (`Unchecked`).
  const lazy = backend.bulk !== undefined;
  const files = new Map<string, LocalObject | Unchecked>();
  // Files of a directory that the remote is known to hold: counted, never stat'ed locally (a
  // no-op push of a 100k-file directory would otherwise lstat 100k cache objects).
  const knownMembers = new Set<string>();
  const dirs = new Map<string, { obj: LocalObject; members: string[] }>();
  // Distinct files per manifest, remembered with it (known.ts) so the next push need not read it.
  const dirCounts = new Map<string, number>();
  let knownDirFiles = 0;
  // Each pass over 10k objects costs a push a few ms of not yet optimised JavaScript: the
  // members are looked at once here, and what is unknown is split and sized in one more pass.
  for (const h of new Set(wanted)) {
    // A manifest the remote is known to hold implies its files (manifests go up last): neither
    // it nor they are looked at locally, and the remembered count stands in for its files.
    const remembered = h.endsWith('.dir') ? known.count(h) : undefined;
    if (remembered !== undefined && remembered >= 0) {
      knownDirFiles += remembered;
      res.total++;
      continue;
    }
    const obj = local.stat(h);
    if (!obj) {
      res.missingLocal.push(h);
      continue;
    }
    if (!h.endsWith('.dir')) {
      files.set(h, obj);
      knownMembers.delete(h);
      continue;
    }
    const members = await local.members(h);
    const hashes = new Array<string>(members.length);
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      hashes[i] = m.hash;
      if (files.has(m.hash)) continue;
      if (known.has(m.hash)) {
        knownMembers.add(m.hash);
        continue;
      }
      if (lazy) {
        files.set(m.hash, { size: m.size, exec: m.exec, unchecked: true });
        continue;
      }
      // Not of the manifest's size (a truncated cache file): missing, never pushed as it is.
      const mo = local.stat(m.hash);
      if (mo?.size === m.size) files.set(m.hash, mo);
      else res.missingLocal.push(m.hash);
    }
    dirCounts.set(h, new Set(hashes).size);
    if (remembered !== undefined) known.add([h], dirCounts); // known from an older repro, without its count
    dirs.set(h, { obj, members: hashes });
  }
  res.total += files.size + knownMembers.size + dirs.size + knownDirFiles;

  // What the remote already has: remembered, else asked once.
  const sizeOf = (h: string): number => (files.get(h) ?? dirs.get(h)!.obj).size;
  let unknown: string[] = [];
  for (const h of files.keys()) if (!known.has(h)) unknown.push(h);
  for (const h of dirs.keys()) if (!known.has(h)) unknown.push(h);
  if (unknown.length > LIST_THRESHOLD) {
    const listed = await listObjects(backend, opts.jobs, opts.signal);
    const found = listed.size ? unknown.filter((h) => listed.get(h) === sizeOf(h)) : [];
    known.add(found, dirCounts);
    if (found.length) unknown = unknown.filter((h) => !known.has(h));
  } else if (unknown.length) {
    let done = 0;
    const found: string[] = [];
    await runPool(
      unknown,
      opts.jobs,
      async (h) => {
        if ((await backend.stat(objectKey(h))) === sizeOf(h)) found.push(h);
        opts.onProgress?.({ phase: 'checking', done: ++done, total: unknown.length, bytes: 0, totalBytes: 0 });
      },
      opts.signal,
    );
    known.add(found, dirCounts);
    unknown = unknown.filter((h) => !known.has(h));
  }
  res.present = res.total - unknown.length;
  if (opts.signal?.aborted) return { ...res, interrupted: true };

  // Many files at once where the backend moves them in bulk (worker threads), else `jobs` puts,
  // each source looked at first.
  const upFiles: string[] = [];
  const upDirs: string[] = [];
  for (const h of unknown) (files.has(h) ? upFiles : upDirs).push(h);
  const bulk = backend.bulk?.(upFiles.length);
  const checked = (h: string): LocalObject | undefined => {
    const f = files.get(h)!;
    if (!('unchecked' in f)) return f;
    const got = local.stat(h);
    const mo = got?.size === f.size ? got : undefined; // as a bulk put checks its sources
    if (mo) files.set(h, mo);
    else {
      files.delete(h);
      res.total--; // as a member found missing in the loop above is not counted
      res.missingLocal.push(h);
    }
    return mo;
  };
  const sendFiles = bulk ? upFiles : upFiles.filter((h) => checked(h) !== undefined);
  let totalBytes = 0;
  for (const h of sendFiles) totalBytes += files.get(h)!.size;
  for (const h of upDirs) totalBytes += dirs.get(h)!.obj.size;
  const total = sendFiles.length + upDirs.length;
  let done = 0;
  let pending: string[] = [];
  const uploaded = (h: string, size: number): void => {
    res.uploaded++;
    res.bytes += size;
    pending.push(h);
    if (pending.length >= 64) {
      known.add(pending, dirCounts);
      pending = [];
    }
    done++;
    opts.onProgress?.({ phase: 'uploading', done, total, bytes: res.bytes, totalBytes });
  };
  const upload = async (h: string, obj: LocalObject): Promise<void> => {
    await backend.put(objectKey(h), obj.path, { size: obj.size, exec: obj.exec, mode: obj.mode });
    uploaded(h, obj.size);
  };
  const putFiles = (): Promise<boolean> => {
    if (!bulk) return runPool(sendFiles, opts.jobs, (h) => upload(h, files.get(h) as LocalObject), opts.signal);
    const items = sendFiles.map((h) => ({ hash: h, size: files.get(h)!.size }));
    return bulk.put(
      local.objectsDir,
      items,
      (i, r) => {
        if (r === 'stored') return uploaded(items[i]!.hash, items[i]!.size);
        res.total--;
        res.missingLocal.push(items[i]!.hash);
      },
      opts.signal,
    );
  };
  try {
    if (!(await putFiles())) res.interrupted = true;
    known.add(pending, dirCounts);
    pending = [];
    if (!res.interrupted) {
      // A manifest goes up only once every file it names is on the remote.
      const missing = new Set(res.missingLocal);
      const ready = upDirs.filter((h) => {
        const ok = dirs.get(h)!.members.every((m) => !missing.has(m) && known.has(m));
        if (!ok) res.heldBack.push(h);
        return ok;
      });
      if (!(await runPool(ready, opts.jobs, (h) => upload(h, dirs.get(h)!.obj), opts.signal))) res.interrupted = true;
    }
  } finally {
    known.add(pending, dirCounts);
  }
  return res;
}

/**
 * Every cache object on the remote (hash → size), listing the 256 fan-out prefixes concurrently;
 * with `hashes`, only the prefixes those hashes fall under (a check of a few objects lists a few
 * prefixes instead of asking about each object).
 */
export async function listObjects(
  backend: Backend,
  jobs: number,
  signal?: AbortSignal,
  hashes?: Iterable<string>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const prefixes = hashes ? [...new Set([...hashes].map((h) => objectKey(h).slice(0, OBJECTS_FANOUT_LEN)))].sort() : objectFanout();
  await runPool(
    prefixes,
    Math.min(jobs, 32),
    async (prefix) => {
      for await (const page of backend.list(prefix)) {
        for (const e of page) {
          const h = parseObjectKey(e.key); // anything else on the remote is not ours: ignored
          if (h) out.set(h, e.size);
        }
      }
    },
    signal,
  );
  return out;
}
