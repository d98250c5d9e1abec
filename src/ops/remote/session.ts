import { cacheDirOf } from '../../config/config.js';
import { objectIo } from '../../cache/index.js';
import { openBackend, type Backend, type LocalObjects, type Progress, type RemoteSpec } from '../../remote/index.js';
import type { RepoContext } from '../context.js';
import { resolveRemote } from './config.js';

/** What push, fetch and gc --cloud share: the remote chosen, its backend, the local cache's objects. */
export type { Progress };

export interface RemoteSession {
  spec: RemoteSpec;
  backend: Backend;
  local: LocalObjects;
  jobs: number;
}

export interface TransferFlags {
  remote?: string;
  jobs?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** Default concurrency: S3 latency is hidden by many requests in flight; a disk wants fewer. */
const DEFAULT_JOBS = { s3: 16, dir: 8 };

export async function openSession(ctx: RepoContext, flags: TransferFlags): Promise<RemoteSession> {
  const spec = await resolveRemote(ctx.root, flags.remote);
  const jobs = flags.jobs ?? spec.jobs ?? (spec.url.startsWith('s3://') ? DEFAULT_JOBS.s3 : DEFAULT_JOBS.dir);
  const backend = await openBackend({ ...spec, jobs }, ctx.root);
  const io = objectIo(cacheDirOf(ctx.root, ctx.config));
  const local: LocalObjects = {
    stat: (h) => io.stat(h),
    lackCheck: () => io.lackCheck(),
    path: (h) => io.path(h),
    objectsDir: io.objectsDir,
    members: async (h) => io.members(h),
    verify: async (h) => {
      const state = await ctx.cache.verifyObject(h);
      if (state === 'corrupt') ctx.cache.quarantine(h);
      return state;
    },
    tempPath: () => io.tempPath(),
    install: (tmp, h, size, exec, tRef) => io.install(tmp, h, size, exec, tRef),
    writeSmall: (h, data, exec) => io.writeSmall(h, data, exec),
  };
  return { spec, backend, local, jobs };
}
