import { rmSync } from 'node:fs';
import { objectKey } from './keys.js';
import type { FetchResult } from './fetch.js';
import type { LocalObjects, TransferOptions } from './transfer.js';
import type { BulkIo } from './types.js';

type Meta = { size?: number; exec?: boolean };

/**
 * The files of a fetch moved by the backend in bulk (`Backend.bulk`: a directory remote's worker
 * threads read each object, hash it against its name and write the cache's temp file only when
 * it matches); each is then installed here, on the main thread, one after another as the answers
 * arrive. Only files whose size the manifest gives, and at most `bulk.maxBytes`; what is left
 * (bigger, of unknown size, or found larger than announced) is returned for the one-at-a-time
 * path. A missing or corrupt object is reported by key, as there.
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
  const mine: [string, Meta][] = [];
  for (const e of get) (e[1].size !== undefined && e[1].size <= bulk.maxBytes ? mine : rest).push(e);
  const tmps = mine.map(() => local.tempPath());
  const tRef = Date.now(); // before any of the temp files is written
  let installs: Promise<void> = Promise.resolve();
  let failure: { e: unknown } | undefined;
  let completed: boolean;
  try {
    completed = await bulk.read!(
      mine.map(([h, meta], i) => ({ key: objectKey(h), digest: h, size: meta.size, tmp: tmps[i]! })),
      (i, r) => {
        const [h, meta] = mine[i]!;
        if (r.kind === 'ok') {
          const { size, exec } = r;
          installs = installs.then(async () => {
            if (failure) return rmSync(tmps[i]!, { force: true });
            try {
              await local.install(tmps[i]!, h, size, meta.exec ?? exec, tRef);
            } catch (e) {
              failure = { e };
              return;
            }
            res.downloaded++;
            res.bytes += size;
            tick();
          });
          return;
        }
        if (r.kind === 'large') return void rest.push(mine[i]!);
        if (r.kind === 'absent') res.missing.push(h);
        else res.corrupt.push({ hash: h, key: objectKey(h) });
        tick();
      },
      opts.signal,
    );
  } finally {
    await installs; // nothing installs behind the caller's back, error or not
  }
  if (failure) throw failure.e;
  return { rest, interrupted: !completed };
}
