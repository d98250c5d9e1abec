import { objectKey } from './keys.js';
import type { FetchResult, Meta } from './fetch.js';
import type { LocalObjects, TransferOptions } from './transfer.js';
import type { BulkIo } from './types.js';

/**
 * The files of a fetch moved by the backend in bulk (`Backend.bulk`: a directory remote's
 * repro-dircopy or worker threads read each object, hash it against its name and, only when it
 * matches, store it straight under its name in the local cache, unless something is there).
 * Only files whose size the manifest gives, and at most `bulk.maxBytes`; what is left (bigger,
 * of unknown size, or with something at its name in the cache: an object too small, one that
 * lacks the exec bit, one another process just stored) is returned for the one-at-a-time path,
 * which applies the cache's rules (`writeSmall`: a good object kept, a bad one moved aside). A
 * missing or corrupt object is reported by key, as there.
 */
export async function fetchBulk(
  bulk: BulkIo,
  local: LocalObjects,
  get: string[],
  need: ReadonlyMap<string, Meta>,
  res: FetchResult,
  tick: () => void,
  opts: TransferOptions,
): Promise<{ rest: string[]; interrupted: boolean }> {
  const rest: string[] = [];
  const mine: { hash: string; size: number; exec: boolean }[] = [];
  for (const hash of get) {
    const meta = need.get(hash)!;
    const size = meta.size;
    if (size !== undefined && size <= bulk.maxBytes && !hash.endsWith('.dir')) mine.push({ hash, size, exec: meta.exec === true });
    else rest.push(hash);
  }
  const completed = await bulk.read!(
    local.objectsDir,
    mine,
    (i, r) => {
      const it = mine[i]!;
      if (r === 'there') return void rest.push(it.hash);
      if (r === 'stored') {
        res.downloaded++;
        res.bytes += it.size;
      } else if (r === 'absent') res.missing.push(it.hash);
      else res.corrupt.push({ hash: it.hash, key: objectKey(it.hash) });
      tick();
    },
    opts.signal,
  );
  return { rest, interrupted: !completed };
}
