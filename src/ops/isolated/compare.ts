import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno, isReproError } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import type { Cache, PathInfo } from '../../cache/index.js';
import {
  compareManifests,
  compareMetricValues,
  diffContent,
  type ContentOptions,
  type DirDetail,
  type OutputDetail,
} from '../../compare/index.js';
import type { LockOut, LockStage } from '../../lock/index.js';
import type { Stage } from '../../pipeline/index.js';
import type { OutputOutcome, OutputResult } from '../../model/isolated.js';
import { hashOrNull } from './exec.js';
import { parseMetricsText } from '../metrics/read.js';

export type { OutputOutcome, OutputResult };

/** Above this size an expected file is not read back from the cache for a diff. */
const READ_LIMIT = 64 * 1024 * 1024;

const NONDETERMINISTIC_NOTE = 'deterministic: false: bytes may differ; judged by the stage metrics';

/**
 * Compare every output `entry` records for `stage` with what the isolated copy at `dir` now
 * holds. `kept` holds expected content read from the tree before the stage ran.
 */
export async function compareStageOutputs(args: {
  cache: Cache;
  dir: string;
  stage: Stage;
  entry: LockStage;
  kept: Map<string, Buffer>;
  content: ContentOptions;
}): Promise<OutputResult[]> {
  const { cache, dir, stage, entry } = args;
  const results: OutputResult[] = [];
  for (const o of stage.outs) {
    const expected = entry.out_hashes?.[o.path];
    if (!expected) continue;
    const make = (outcome: OutputOutcome, actual: LockOut | null, detail: OutputDetail | null): OutputResult => ({
      stage: stage.name,
      path: o.path,
      kind: o.kind,
      outcome,
      expected,
      actual,
      detail,
      note: null,
    });
    const info = await hashOrNull(cache, absPath(dir, o.path));
    if (!info) {
      results.push(make('missing', null, null));
      continue;
    }
    const actual = lockOut(info);
    if (info.hash === expected.hash) {
      results.push(make('identical', actual, null));
      continue;
    }
    const opts = { ...args.content, path: o.path };
    const expBytes = args.kept.get(o.path) ?? (await cachedBytes(cache, expected.hash, expected.size));
    let detail: OutputDetail;
    let outcome: OutputOutcome = 'differs';
    if (info.isDir) detail = await dirDetail(cache, dir, o.path, expected.hash, opts);
    else if (!expBytes) detail = { kind: 'hash', reason: noContentReason(expected.size) };
    else {
      const actBytes = await readFile(absPath(dir, o.path));
      const metrics = o.kind === 'metric' ? metricsDetail(stage, o.path, expBytes, actBytes) : null;
      if (metrics && (!metrics.all_within || !stage.deterministic)) {
        detail = metrics;
        if (!stage.deterministic && metrics.all_within) outcome = 'within-tolerance';
      } else detail = diffContent(expBytes, actBytes, opts);
    }
    results.push(make(outcome, actual, detail));
  }
  if (!stage.deterministic) {
    const metricsOk = results
      .filter((r) => r.kind === 'metric')
      .every((r) => r.outcome === 'identical' || r.outcome === 'within-tolerance');
    for (const r of results) {
      if (r.kind === 'metric' || r.outcome !== 'differs') continue;
      r.note = NONDETERMINISTIC_NOTE;
      if (metricsOk) r.outcome = 'within-tolerance';
    }
  }
  return results;
}

function lockOut(info: PathInfo): LockOut {
  return info.nfiles !== undefined ? { hash: info.hash, size: info.size, nfiles: info.nfiles } : { hash: info.hash, size: info.size };
}

function metricsDetail(stage: Stage, path: string, expected: Buffer, actual: Buffer) {
  let e: Record<string, number>;
  let a: Record<string, number>;
  try {
    e = parseMetricsText(expected.toString('utf8'), path);
    a = parseMetricsText(actual.toString('utf8'), path);
  } catch (err) {
    if (isReproError(err, 'E_CONFIG') || isReproError(err, 'E_YAML')) return null; // not parseable: diffed as text
    throw err;
  }
  return compareMetricValues(e, a, (key) => stage.tolerance[`${path}:${key}`] ?? 0);
}

/**
 * Why the locked content of a file output cannot be diffed: above the read limit (said so: the
 * object may well be in the cache), or not in the local cache. Either way the hashes were compared
 * (the report adds "only the hashes can be compared").
 */
function noContentReason(size: number): string {
  if (size > READ_LIMIT) return `the locked content (${mib(size)}) is over the ${mib(READ_LIMIT)} read limit for a content diff`;
  return 'the locked content is not in the local cache';
}

function mib(n: number): string {
  return `${Number((n / 1024 / 1024).toFixed(1))} MiB`;
}

/** The bytes of a cached file object, or null when the cache does not have it (or it is huge). */
async function cachedBytes(cache: Cache, hash: string, size: number): Promise<Buffer | null> {
  if (size > READ_LIMIT || hash.endsWith('.dir')) return null;
  try {
    return await readFile(cache.objectPath(hash));
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'EISDIR')) return null;
    throw e;
  }
}

async function dirDetail(cache: Cache, dir: string, path: string, expectedHash: string, opts: ContentOptions): Promise<OutputDetail> {
  let expected;
  try {
    expected = expectedHash.endsWith('.dir') ? await cache.readManifest(expectedHash) : null;
  } catch (e) {
    if (!isReproError(e, 'E_CACHE')) throw e;
    // Present but refused (corrupt, or crafted with unsafe paths): say so, not "not in the cache".
    return { kind: 'hash', reason: `the expected directory manifest cannot be used (${e.message})` };
  }
  if (!expected) return { kind: 'hash', reason: 'the expected directory manifest is not in the local cache' };
  const root = absPath(dir, path);
  const actual = await listFiles(cache, root);
  const cmp = compareManifests(expected, actual);
  let first: DirDetail['first'] = null;
  const name = cmp.changed[0];
  if (name !== undefined) {
    const member = expected.find((e) => e.path === name)!;
    const exp = await cachedBytes(cache, member.hash, member.size);
    if (exp)
      first = {
        path: name,
        detail: diffContent(exp, await readFile(join(root, ...name.split('/'))), { ...opts, path: `${path}/${name}` }),
      };
  }
  return { ...cmp, first };
}

/** Every file under `root` (POSIX relative paths) with its content hash. */
async function listFiles(cache: Cache, root: string, rel = ''): Promise<{ path: string; hash: string }[]> {
  const out: { path: string; hash: string }[] = [];
  const dir = rel === '' ? root : join(root, ...rel.split('/'));
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    const abs = join(dir, d.name);
    const st = await stat(abs).catch((e) => (isErrno(e, 'ENOENT') ? null : Promise.reject(e)));
    if (!st) continue;
    if (st.isDirectory()) out.push(...(await listFiles(cache, root, r)));
    else if (st.isFile()) out.push({ path: r, hash: (await cache.hashFile(abs)).hash });
  }
  return out;
}
