import type { LockFile } from '../../lock/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { RepoContext } from '../context.js';
import type { DataCheck, DataOutput } from '../../model/verify.js';

/**
 * Data availability: every output repro.lock records can be restored, from Git (`git: true`
 * outputs, metrics and plots) or from the cache. Only the local cache exists so far: with no
 * remote configured a missing object is a warning (the data lives only where it was produced),
 * and with a remote configured it is a warning too, since the remote cannot be checked yet.
 * Neither fails the command, so a fresh CI clone without data passes. An object that is in the
 * cache but bad (its content does not hash to its name: the cache verifies it, cheaply after the
 * first time) fails the check: that output cannot be restored as recorded. Verify only reports:
 * the next `repro checkout` or `repro run` moves it aside and rebuilds it.
 */
export async function checkData(ctx: RepoContext, pipeline: Pipeline, lock: LockFile): Promise<DataCheck> {
  const outputs: DataOutput[] = [];
  for (const name of Object.keys(lock.stages).sort()) {
    const stage = pipeline.byName.get(name);
    const recorded = lock.stages[name]!.out_hashes ?? {};
    for (const path of Object.keys(recorded).sort()) {
      const hash = recorded[path]!.hash;
      const spec = stage?.outs.find((o) => o.path === path);
      let status: DataOutput['status'];
      if (spec?.git) status = 'in-git';
      else if (spec && !spec.cache) status = 'not-cached';
      else {
        const r = await ctx.cache.check(hash, { quarantine: false });
        status = r.ok ? 'in-cache' : r.corrupt.length ? 'corrupt' : 'missing';
      }
      outputs.push({ stage: name, path, hash, status });
    }
  }
  const remote = ctx.config.remote.url;
  const missing = outputs.filter((o) => o.status === 'missing').length;
  const corrupt = outputs.filter((o) => o.status === 'corrupt');
  const where = remote
    ? `remote '${remote}' is configured but not checked yet: only the local cache was`
    : 'remotes are not configured: only the local cache was checked';
  let note = missing
    ? `${missing} of ${outputs.length} recorded outputs are not in the local cache; ${where}`
    : `${outputs.length} recorded outputs available; ${where}`;
  if (corrupt.length) {
    note = `${corrupt.length} recorded output(s) corrupt in the local cache: ${corrupt.map((o) => `'${o.path}'`).join(', ')} ('repro run' rebuilds them); ${note}`;
  }
  return { status: corrupt.length ? 'fail' : missing ? 'warn' : 'pass', remote, outputs, note };
}
