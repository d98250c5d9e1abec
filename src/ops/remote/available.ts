import { cacheDirOf } from '../../config/config.js';
import { objectIo, parseManifest } from '../../cache/index.js';
import { isReproError } from '../../core/errors.js';
import { listObjects, objectKey, openBackend, readAll, type RemoteSpec } from '../../remote/index.js';
import type { RepoContext } from '../context.js';
import { readRemotesConfig, resolveRemote } from './config.js';

/** The default remote, or null when none is configured (`remote.default`, or an old `remote.url`). */
export async function defaultRemote(root: string): Promise<RemoteSpec | null> {
  const cfg = await readRemotesConfig(root);
  return cfg.default ? resolveRemote(root) : null;
}

export interface Availability {
  /** For each hash asked about: where it can be restored from, or the first object found nowhere. */
  where: Map<string, { from: 'local' | 'remote' } | { from: 'nowhere'; object: string }>;
}

/** Directory manifests are small; one bigger than this on a remote is not believed. */
const MAX_MANIFEST = 256 * 1024 * 1024;

/**
 * Whether each object (and, for a `.dir`, its manifest and every file it names) can be restored
 * from the local cache or the remote `spec`: for `repro verify`'s data check. Reads only: asks
 * the remote by listing the fan-out prefixes the objects fall under (never one HEAD per object),
 * and reads a manifest the local cache lacks from the remote (hash-checked). `sizes`: what the
 * lock records for a file object, so a truncated remote copy does not count.
 */
export async function availability(
  ctx: RepoContext,
  spec: RemoteSpec,
  hashes: string[],
  sizes: Map<string, number>,
): Promise<Availability> {
  const io = objectIo(cacheDirOf(ctx.root, ctx.config));
  const backend = await openBackend(spec, ctx.root);
  const where: Availability['where'] = new Map();
  try {
    await backend.probe?.();
    const jobs = spec.jobs ?? 16;
    const listed = await listObjects(backend, jobs, undefined, hashes);
    const onRemote = (h: string, size?: number): boolean => listed.has(h) && (size === undefined || listed.get(h) === size);
    const members = new Map<string, { hash: string; size: number }[]>();
    for (const h of hashes) {
      if (!h.endsWith('.dir')) {
        where.set(h, io.stat(h) ? { from: 'local' } : onRemote(h, sizes.get(h)) ? { from: 'remote' } : { from: 'nowhere', object: h });
        continue;
      }
      let text: string | undefined;
      if (io.stat(h)) {
        try {
          members.set(h, io.members(h));
          continue;
        } catch (e) {
          if (!isReproError(e, 'E_CACHE')) throw e; // a bad local manifest: try the remote's
        }
      }
      if (onRemote(h)) {
        const obj = await backend.get(objectKey(h));
        if (obj) text = (await readAll(obj.body, MAX_MANIFEST)).toString('utf8');
      }
      try {
        if (text !== undefined) members.set(h, parseManifest(text, h));
      } catch (e) {
        if (!isReproError(e, 'E_CACHE')) throw e;
      }
      if (!members.has(h)) where.set(h, { from: 'nowhere', object: h });
    }
    // The files directories name: the local cache first, then the remote's listing.
    const unlisted = [...members.values()].flat().filter((m) => !io.stat(m.hash) && !listed.has(m.hash));
    for (const [h, s] of await listObjects(
      backend,
      jobs,
      undefined,
      unlisted.map((m) => m.hash),
    ))
      listed.set(h, s);
    for (const [h, ms] of members) {
      let fromRemote = !io.stat(h);
      let lost: string | undefined;
      for (const m of ms) {
        if (io.stat(m.hash)?.size === m.size) continue;
        if (onRemote(m.hash, m.size)) fromRemote = true;
        else {
          lost = m.hash;
          break;
        }
      }
      where.set(h, lost ? { from: 'nowhere', object: lost } : { from: fromRemote ? 'remote' : 'local' });
    }
  } finally {
    backend.close();
  }
  return { where };
}
