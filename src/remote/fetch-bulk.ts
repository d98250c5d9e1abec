import { objectKey } from './keys.js';
import type { FetchResult } from './fetch.js';
import type { LocalObjects, TransferOptions } from './transfer.js';
import type { BulkIo } from './types.js';

type Meta = { size?: number; exec?: boolean };

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
  get: [string, Meta][],
  res: FetchResult,
  tick: () => void,
  opts: TransferOptions,
): Promise<{ rest: [string, Meta][]; interrupted: boolean }> {
  const rest: [string, Meta][] = [];
  const mine: [string, Meta & { size: number }][] = [];
  for (const e of get) {
    const size = e[1].size;
    if (size !== undefined && size <= bulk.maxBytes && !e[0].endsWith('.dir')) mine.push(e as [string, Meta & { size: number }]);
    else rest.push(e);
  }
  const completed = await bulk.read!(
    local.objectsDir,
    mine.map(([hash, meta]) => ({ hash, size: meta.size, exec: meta.exec ?? false })),
    (i, r) => {
      const [h, meta] = mine[i]!;
      if (r === 'there') return void rest.push(mine[i]!);
      if (r === 'stored') {
        res.downloaded++;
        res.bytes += meta.size;
      } else if (r === 'absent') res.missing.push(h);
      else res.corrupt.push({ hash: h, key: objectKey(h) });
      tick();
    },
    opts.signal,
  );
  return { rest, interrupted: !completed };
}
