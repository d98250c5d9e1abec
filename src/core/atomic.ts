import { open, rename, rm, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp name beside `path`, unique per process and call, that `gc` can recognise and sweep. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Write `data` to `path` so that readers see either the old or the new content, never a part:
 * write a temp file in the same directory, fsync it, rename over. Creates parent directories.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: { mode?: number; fsync?: boolean; /** false when the caller knows the directory exists */ mkdir?: boolean } = {},
): Promise<void> {
  if (opts.mkdir !== false) await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o666);
  try {
    await fh.writeFile(data);
    if (opts.fsync !== false) await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
