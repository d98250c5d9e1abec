import type { Readable } from 'node:stream';

/**
 * One storage backend for cache objects. Keys are POSIX strings made by `keys.ts`
 * (`objects/ab/cdef…`, `runcache/…`, `repro-epoch`), never paths read from anywhere else.
 * Every method translates its backend's failures into `ReproError('E_REMOTE')` naming the remote.
 */
export interface Backend {
  /** What to call the remote in messages: `'team' (s3://bucket/prefix)`. */
  readonly label: string;
  /**
   * Every key under `prefix` (which ends in `/`), with its size, in pages. Keys are as stored:
   * the caller parses them (`parseObjectKey`) and ignores what does not parse.
   */
  list(prefix: string): AsyncIterable<RemoteEntry[]>;
  /** The size of `key`, or undefined when it is absent. */
  stat(key: string): Promise<number | undefined>;
  /** A stream of `key`'s bytes, or undefined when it is absent. */
  get(key: string): Promise<RemoteObject | undefined>;
  /**
   * A small object's bytes in one read, where the backend does that cheaper than `get` (a
   * directory remote on a local disk: synchronous calls, no stream): 'absent', 'large' (more
   * than `max` bytes: use `get`), or the bytes and the exec bit. Nothing is checked here: the
   * caller hashes the bytes before anything enters the cache.
   */
  readSmall?(key: string, max: number): Promise<{ data: Buffer; exec: boolean } | 'absent' | 'large'>;
  /**
   * Objects of at least this many bytes are fetched with `download`, when the backend has it.
   */
  readonly rangedFrom?: number;
  /**
   * Download `key` (`size` bytes, as `get` announced) into the new file `tmp` by parallel ranged
   * reads, and resolve with the sha256 hex of the bytes written, in order (undefined: the object
   * is not there). Throws `E_REMOTE` (or
   * an errno error for a local write; `RangedAborted` when `signal` aborts); the caller removes
   * `tmp` on any failure and compares the digest before the file enters the cache.
   */
  download?(key: string, tmp: string, size: number, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Store the file `src` (`size` bytes) under `key`, atomically: readers never see a part.
   * `mode`: `src`'s permission bits as last seen, when known (a hint; a copy may rely on it).
   */
  put(key: string, src: string, opts: { size: number; exec: boolean; mode?: number }): Promise<void>;
  /** Store small bytes (run-cache entries, the epoch marker). */
  putBytes(key: string, data: Uint8Array): Promise<void>;
  /** Remove keys; absent ones are not an error. */
  delete(keys: string[]): Promise<void>;
  /**
   * Throws `E_REMOTE` when the remote cannot be read at all (a directory remote whose path does
   * not exist), so a fetch says so instead of reporting every object as absent.
   */
  probe?(): Promise<void>;
  /**
   * Many small objects moved at once (worker threads: a directory remote on a local disk,
   * dir-pool.ts), when the backend has that and `count` objects make it pay; undefined: the
   * caller moves them one call at a time.
   */
  bulk?(count: number): BulkIo | undefined;
  /** Release connections. */
  close(): void;
}

/** `Backend.bulk`: `put` and the one-read fetch of many objects, in one call each. */
export interface BulkIo {
  /** Objects up to this size go through `read`; bigger ones through `get`. */
  readonly maxBytes: number;
  /**
   * `put` of every item (any size): the object `<srcDir>/<2 hex>/<62 hex>` (the local cache's
   * layout; `hash` a file's, 64 hex) stored as `objectKey(hash)`; `onPut(i, 'stored')` as item
   * `i` is stored, or `onPut(i, 'absent')` when its source is not a regular file of `size` bytes
   * (nothing written: the caller need not lstat each source first); the object is executable
   * when its source is (the cache's exec bit). False when `signal` stopped it. Throws E_REMOTE
   * (or the errno error) of the first failure, once nothing is in flight.
   */
  put(
    srcDir: string,
    items: { hash: string; size: number }[],
    onPut: (i: number, r: 'stored' | 'absent') => void,
    signal?: AbortSignal,
  ): Promise<boolean>;
  /**
   * Read each item's object (`objectKey(hash)`; `hash` a file's, 64 hex) whole, `size` bytes (at
   * most `maxBytes`), and only when its bytes hash to `hash` store them as
   * `<destDir>/<2 hex>/<62 hex>` (the local cache's layout: a temp name beside it, renamed into
   * place unless something is there, its directory made; mode 0555 when `exec`, else 0444).
   * `onRead(i, r)`: 'stored'; 'absent'; 'corrupt' (not of `size` bytes, or another hash);
   * 'there' (something was at the object's name: never replaced, the caller applies the cache's
   * rules to it); nothing written but for 'stored'. A read failure is E_REMOTE; a write failure
   * the errno error. False when `signal` stopped it.
   */
  read?(
    destDir: string,
    items: { hash: string; size: number; exec: boolean }[],
    onRead: (i: number, r: 'stored' | 'absent' | 'corrupt' | 'there') => void,
    signal?: AbortSignal,
  ): Promise<boolean>;
}

export interface RemoteEntry {
  key: string;
  size: number;
}

export interface RemoteObject {
  body: Readable;
  size: number | undefined;
  /** The object was stored from an executable file (cache objects keep the exec bit). */
  exec: boolean;
}

/** A configured remote, as `ops/remote/config.ts` resolves it (committed settings + local ones). */
export interface RemoteSpec {
  name: string;
  url: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
  /** Concurrent connections the backend should allow for (`-j`). */
  jobs?: number;
}
