import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp name beside `path`, unique per process and call, that `gc` can recognise and sweep. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export interface AtomicWriteOptions {
  mode?: number;
  /** fsync the data before the rename (default true). */
  fsync?: boolean;
  /** false when the caller knows the directory exists. */
  mkdir?: boolean;
}

/**
 * Write `data` to `path` so that readers see either the old or the new content, never a part:
 * write a temp file in the same directory, fsync it (unless `fsync: false`), rename over.
 * Creates parent directories unless `mkdir: false`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  writeFileAtomicSync(path, data, opts);
}

/**
 * The same, synchronously. These are small files (locks, records, memos); the promise-based
 * FileHandle API measured no faster and cost more main-thread time per file.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  if (opts.mkdir !== false) mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o666);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
    if (opts.fsync !== false) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
