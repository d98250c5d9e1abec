import { createReadStream, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, type Dirent, type Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { isErrno } from '../core/errors.js';
import { dirBulk } from './dir-bulk.js';
import { readUmask } from '../core/fs.js';
import { copySmallSync, makeBreather, readSmallSync, SMALL_SYNC, STALE_MS, TEMP_NAME } from './dir-sync.js';
import { dirRemoteError, remoteError } from './errors.js';
import { dirIo, type DirIo } from './fs-kind.js';
import type { Backend, RemoteEntry, RemoteObject } from './types.js';

/**
 * A directory remote (`/mnt/team/cache`, `file:///…`, NFS): the local cache's layout under
 * `root`, objects read-only as in the cache. Writes go to a temp name beside the object
 * (`.<name>.tmp-<pid>-<hex>`, the shape the cache's gc sweeps) and are renamed into place, so a
 * reader, or a push killed midway, never leaves a partial object under its real name.
 *
 * A push killed between the write and the rename leaves its temp file behind. The first write
 * into each directory (per process) sweeps that directory's temp files older than `STALE_MS`: a
 * push that is resumed writes the same objects into the same directories, so its leftovers go
 * then, and a no-op push (nothing to write) reads no directory. Age, not the pid in the name: a
 * shared directory is written from other machines, whose pids mean nothing here; a live
 * writer's temp file is younger (its mtime moves as it is written, and the rename follows).
 *
 * Per object a push costs one copyFile and one rename: libuv's copyFile gives the new file the
 * source's permission bits (whatever the umask), so a cache object already read-only with the
 * wanted mode (0444, 0555 when executable: the cache's own) needs no chmod; any other source
 * mode is corrected before the rename. Never a hard link, even on one file system: the remote is
 * an independent copy (docs/remotes.md).
 *
 * On a local file system (`io` 'sync', fs-kind.ts) small objects are copied, read, listed and
 * looked up with synchronous calls instead (dir-sync.ts): the same temp + rename, the copy
 * created with its final mode; from `BULK_MIN` objects at once (`bulk`), worker threads do the
 * same (dir-bulk.ts). On any other the thread pool keeps `jobs` requests in flight.
 */
const TOKEN = randomBytes(4).toString('hex');
let counter = 0;

/** Whether `dir/name` (lstat `st`) is a temp file left by a push that died at least `STALE_MS` ago. */
const staleTemp = (name: string, st: Stats | undefined, cutoff: number): boolean =>
  st !== undefined && st.isFile() && st.mtimeMs < cutoff && TEMP_NAME.test(name);

/** Remove the temp files in `dir` older than `STALE_MS`; what cannot be read or removed is left. */
async function sweepTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - STALE_MS;
  await Promise.all(
    names
      .filter((n) => TEMP_NAME.test(n))
      .map(async (n) => {
        const st = await lstat(join(dir, n)).catch(() => undefined);
        if (staleTemp(n, st, cutoff)) await rm(join(dir, n), { force: true }).catch(() => undefined);
      }),
  );
}

/** `sweepTemps`, synchronously. */
function sweepTempsSync(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - STALE_MS;
  for (const n of names) {
    if (!TEMP_NAME.test(n) || !staleTemp(n, lstatQuiet(join(dir, n)), cutoff)) continue;
    try {
      rmSync(join(dir, n), { force: true });
    } catch {
      // left, as sweepTemps leaves it
    }
  }
}

const lstatQuiet = (p: string): Stats | undefined => {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
};

const absentErr = (e: unknown): boolean => isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR');

/**
 * `bulkMin`: the object count from which `bulk` engages (dir-bulk.ts's `BULK_MIN`; tests set it
 * low). `bulkFetch`: a fetch goes through `bulk` even without repro-dircopy (the worker threads).
 */
export function openDirBackend(root: string, label: string, opts: { io?: DirIo; bulkMin?: number; bulkFetch?: boolean } = {}): Backend {
  const io = opts.io ?? dirIo(root);
  const breathe = makeBreather();
  const umask = io === 'sync' ? readUmask() : 0o777;
  const made = new Set<string>();
  // Keys are made by keys.ts (`objects/ab/cdef…`, never read from outside): a concatenation, not
  // a path.join per object (~3 us each, 30 ms of a 10k-object push).
  const rootSlash = join(root, '/');
  const abs = (key: string): string => rootSlash + key;
  const fail = (op: string, e: unknown): never => {
    throw dirRemoteError(label, op, e) ?? e;
  };
  const noParent = (): Error =>
    remoteError(
      label,
      `the directory's parent does not exist: '${dirname(root)}'`,
      'check the path (is the share mounted?) or create it first',
    );
  const ensureRoot = async (): Promise<void> => {
    const st = await lstat(dirname(root)).catch((e) => (isErrno(e, 'ENOENT') ? undefined : fail('read', e)));
    if (!st) throw noParent();
  };
  const ensureDirSync = (dir: string): void => {
    if (made.has(dir)) return;
    if (made.size === 0) {
      const st = (() => {
        try {
          return lstatSync(dirname(root), { throwIfNoEntry: false });
        } catch (e) {
          return fail('read', e);
        }
      })();
      if (!st) throw noParent();
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      fail('create a directory', e);
    }
    made.add(dir);
    sweepTempsSync(dir);
  };
  const ensureDir = async (dir: string): Promise<void> => {
    if (made.has(dir)) return;
    if (made.size === 0) await ensureRoot();
    await mkdir(dir, { recursive: true }).catch((e) => fail('create a directory', e));
    made.add(dir);
    await sweepTemps(dir); // one readdir of a fan-out directory: 256 at most per push
  };
  const tempFor = (dest: string, key: string): string =>
    join(dirname(dest), `.${key.slice(key.lastIndexOf('/') + 1)}.tmp-${process.pid}-${TOKEN}${(counter++).toString(16)}`);
  /** `writeAtomic`, synchronously: `write` creates the temp file with its final mode. */
  const writeAtomicSync = (key: string, write: (tmp: string) => void): void => {
    const dest = abs(key);
    ensureDirSync(dirname(dest));
    const tmp = tempFor(dest, key);
    try {
      write(tmp);
      renameSync(tmp, dest);
    } catch (e) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // the write's error is the one to report
      }
      fail('write', e);
    }
  };
  /** `mode`: what to chmod the temp file to before the rename; undefined: it already has it. */
  const writeAtomic = async (key: string, write: (tmp: string) => Promise<void>, mode: number | undefined): Promise<void> => {
    const dest = abs(key);
    await ensureDir(dirname(dest));
    const tmp = tempFor(dest, key);
    try {
      await write(tmp);
      if (mode !== undefined) await chmod(tmp, mode);
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      fail('write', e);
    }
  };

  return {
    label,
    async *list(prefix) {
      // Walks `prefix` (a directory) recursively; what is not a regular file is skipped.
      const walk = async function* (dir: string, rel: string): AsyncGenerator<RemoteEntry[]> {
        let names: Dirent[];
        try {
          if (io === 'sync') {
            await breathe();
            // An absent directory (most of a new remote's 256 fan-outs) is one lstat, not a
            // thrown ENOENT (~20 us each: ~5 ms of a first push's listing).
            if (lstatSync(dir, { throwIfNoEntry: false }) === undefined) return;
            names = readdirSync(dir, { withFileTypes: true });
          } else names = await readdir(dir, { withFileTypes: true });
        } catch (e) {
          if (absentErr(e)) return;
          return fail('list', e);
        }
        const page: RemoteEntry[] = [];
        const subdirs: string[] = [];
        for (const d of names) {
          if (d.isDirectory()) subdirs.push(d.name);
          else if (d.isFile() && !d.name.startsWith('.')) page.push({ key: rel + d.name, size: -1 });
        }
        // Sizes: one lstat each, in parallel (a listing without sizes would make a truncated
        // object look present).
        const sizeOf = (st: Stats | undefined): number => (st?.isFile() ? st.size : -1);
        if (io === 'sync') for (const e of page) e.size = sizeOf(lstatQuiet(join(dir, e.key.slice(rel.length))));
        else
          await Promise.all(
            page.map(async (e) => (e.size = sizeOf(await lstat(join(dir, e.key.slice(rel.length))).catch(() => undefined)))),
          );
        if (page.length) yield page.filter((e) => e.size >= 0);
        for (const s of subdirs) yield* walk(join(dir, s), `${rel}${s}/`);
      };
      yield* walk(abs(prefix.replace(/\/$/, '')), prefix);
    },
    async stat(key) {
      try {
        const st = io === 'sync' ? lstatSync(abs(key)) : await lstat(abs(key));
        return st.isFile() ? st.size : undefined;
      } catch (e) {
        if (absentErr(e)) return undefined;
        return fail('read', e);
      }
    },
    async get(key): Promise<RemoteObject | undefined> {
      const p = abs(key);
      let st;
      try {
        st = await lstat(p);
      } catch (e) {
        if (absentErr(e)) return undefined;
        return fail('read', e);
      }
      if (!st.isFile()) return undefined;
      const exec = (st.mode & 0o100) !== 0;
      // A small object in one read (no stream machinery: most objects of a data directory are small).
      if (st.size <= SMALL_SYNC) {
        const data = await readFile(p).catch((e) => (isErrno(e, 'ENOENT') ? undefined : fail('read', e)));
        return data && { body: Readable.from([data]), size: data.length, exec };
      }
      return { body: createReadStream(p, { highWaterMark: 1 << 20 }), size: st.size, exec };
    },
    ...(io === 'sync' && {
      async readSmall(key: string, max: number) {
        await breathe();
        try {
          return readSmallSync(abs(key), Math.min(max, SMALL_SYNC));
        } catch (e) {
          return fail('read', e);
        }
      },
    }),
    async put(key, src, { size, exec, mode }) {
      const want = exec ? 0o555 : 0o444;
      if (io === 'sync' && size <= SMALL_SYNC) {
        await breathe();
        return writeAtomicSync(key, (tmp) => copySmallSync(src, tmp, size, want, umask));
      }
      await writeAtomic(key, (tmp) => copyFile(src, tmp), mode === want ? undefined : want);
    },
    ...(io === 'sync' && {
      bulk: (count: number) =>
        dirBulk(
          {
            abs,
            ensureDir: ensureDirSync,
            fail,
            umask,
            put: (key, src, o) => writeAtomic(key, (tmp) => copyFile(src, tmp), o.exec ? 0o555 : 0o444),
          },
          count,
          opts.bulkMin,
          opts.bulkFetch ?? process.env.REPRO_DIR_REMOTE_FETCH_THREADS === '1',
        ),
    }),
    async putBytes(key, data) {
      await writeAtomic(key, (tmp) => writeFile(tmp, data, { flag: 'wx' }), 0o444);
    },
    async probe() {
      const st = await lstat(root).catch((e) => (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR') ? undefined : fail('read', e)));
      if (!st?.isDirectory())
        throw remoteError(label, `the directory does not exist: '${root}'`, "check the path (is the share mounted?) and the remote's url");
    },
    async delete(keys) {
      for (const k of keys) await rm(abs(k), { force: true }).catch((e) => fail('delete', e));
    },
    close() {},
  };
}
