import { isReproError } from '../../core/errors.js';
import type { LockFile } from '../../lock/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { RepoContext } from '../context.js';
import { availability, defaultRemote } from '../remote/index.js';
import type { DataCheck, DataOutput } from '../../model/verify.js';
import { count, plural } from '../../core/plural.js';

/**
 * Data availability: every output repro.lock records can be restored, from Git (`git: true`
 * outputs, metrics and plots), the local cache, or the default remote.
 *
 * - An object that is in the cache but bad (its content does not hash to its name: the cache
 *   verifies it, cheaply after the first time) fails the check. Verify only reports: the next
 *   `repro pull`, `checkout` or `run` moves it aside and replaces it.
 * - With a default remote configured, an output missing locally is looked up there (the remote
 *   is listed by the fan-out prefixes the objects fall under, never asked once per object; a
 *   directory's manifest and every file it names count): `on-remote`, or `missing`, which then
 *   fails, naming stage, path and hash.
 * - A remote that cannot be read (unreachable endpoint, rejected credentials, missing bucket or
 *   directory: any `E_REMOTE`) is asked only when something is missing locally, so a clone whose
 *   cache holds everything is judged from it alone. Otherwise the check cannot be judged: it
 *   fails (a verify that passes while the data's whereabouts are unknown would let an unpushed
 *   result through CI), its note names the remote and what failed, the outputs not in the local
 *   cache are `unknown`, and the other checks are judged as usual (exit 1, not 2).
 * - Without a remote, a missing object is a warning (the data lives only where it was produced),
 *   so a fresh CI clone without data passes.
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
  const spec = await defaultRemote(ctx.root);
  const absent = outputs.filter((o) => o.status === 'missing');
  let unreadable: string | undefined;
  if (spec && absent.length) {
    const sizes = new Map<string, number>();
    for (const o of absent) sizes.set(o.hash, lock.stages[o.stage]!.out_hashes[o.path]!.size);
    let where;
    try {
      ({ where } = await availability(ctx, spec, [...new Set(absent.map((o) => o.hash))], sizes));
    } catch (e) {
      if (!isReproError(e, 'E_REMOTE')) throw e;
      const prefix = `remote '${spec.name}' (${spec.url}): `;
      unreadable = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      for (const o of absent) o.status = 'unknown';
    }
    for (const o of where ? absent : []) {
      const w = where!.get(o.hash)!;
      if (w.from !== 'nowhere') o.status = 'on-remote';
      else if (w.object !== o.hash) o.missingObject = w.object;
    }
  }
  const remote = spec ? `'${spec.name}' (${spec.url})` : null;
  const missing = outputs.filter((o) => o.status === 'missing');
  const corrupt = outputs.filter((o) => o.status === 'corrupt');
  const onRemote = outputs.filter((o) => o.status === 'on-remote').length;
  const unknown = outputs.filter((o) => o.status === 'unknown');
  let note: string;
  if (!spec) {
    const where = 'remotes are not configured: only the local cache was checked';
    note = missing.length
      ? `${missing.length} of ${count(outputs.length, 'recorded output')} ${plural(missing.length, 'is', 'are')} not in the local cache; ${where}`
      : `${count(outputs.length, 'recorded output')} available; ${where}`;
  } else if (unreadable !== undefined) {
    note =
      `cannot be judged: ${unknown.length} of ${count(outputs.length, 'recorded output')} ${plural(unknown.length, 'is', 'are')} not in the local cache and ` +
      `remote ${remote} could not be read (${unreadable}); run verify again once the remote is reachable`;
  } else if (missing.length) {
    const m = missing[0]!;
    note =
      `${missing.length} of ${count(outputs.length, 'recorded output')} ${plural(missing.length, 'is', 'are')} in neither the local cache nor remote ${remote}: ` +
      `'${m.path}' (stage ${m.stage}, ${m.missingObject ?? m.hash})${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}` +
      ` ('repro push' them from the clone that has them)`;
  } else {
    note = `${count(outputs.length, 'recorded output')} available (${onRemote} only on remote ${remote})`;
  }
  if (corrupt.length) {
    note = `${count(corrupt.length, 'recorded output')} corrupt in the local cache: ${corrupt.map((o) => `'${o.path}'`).join(', ')} ('repro pull' or 'repro run' replaces them); ${note}`;
  }
  const status = corrupt.length || unknown.length || (spec && missing.length) ? 'fail' : missing.length ? 'warn' : 'pass';
  return { status, remote, outputs, note };
}
