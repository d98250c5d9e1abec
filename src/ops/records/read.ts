import { isReproError, ReproError } from '../../core/errors.js';
import { checkStoredPath } from '../../core/paths.js';
import { checkEntryPaths } from '../../lock/index.js';
import type { EnvFingerprint } from '../../env/index.js';
import { firstParentHistory, readCommitFile, RUNS_PREFIX, type RepoInfo, type RunRef } from '../../record/index.js';
import type { RunRecord } from '../../model/record.js';
import { RECORD_PATH, RECORD_VERSION } from './write.js';
import { resolveRunName } from './resolve.js';

/**
 * Reading run records back (docs/records.md): resolve a run argument, read and validate its
 * record, and pick the runs that belong to the current branch's history. Shared by `log`,
 * `show`, `replay` and `lineage`.
 */

/**
 * Parse and check a record's JSON. Anything that is not a record this build understands is
 * `E_RECORD` naming the run: not JSON, missing or mistyped fields, or a newer `format`.
 */
function parseRecord(text: string, runId: string): RunRecord {
  const bad = (why: string): ReproError =>
    new ReproError('E_RECORD', `malformed run record (${why}): '${runId}'`, {
      hint: `the record at ${RECORD_PATH} in ${RUNS_PREFIX}${runId} was not written by repro; delete the ref with 'git update-ref -d ${RUNS_PREFIX}${runId}'`,
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) throw bad('not JSON');
    throw e;
  }
  if (!isObject(data)) throw bad('not a JSON object');
  const m = typeof data.format === 'string' ? /^repro-run\/(\d+)$/.exec(data.format) : null;
  if (!m) throw bad("no 'format'");
  if (Number(m[1]) > RECORD_VERSION) {
    throw new ReproError(
      'E_RECORD',
      `run record has a newer format '${data.format}' than this repro reads (repro-run/${RECORD_VERSION}): '${runId}'`,
      {
        hint: 'upgrade repro to read it',
      },
    );
  }
  if (Number(m[1]) !== RECORD_VERSION) throw bad(`unknown format '${data.format}'`);
  const fields: [string, (v: unknown) => boolean][] = [
    ['id', isString],
    ['started_at', isString],
    ['ended_at', isString],
    ['status', isString],
    ['argv', Array.isArray],
    ['source', isObject],
    ['stages', isObject],
    ['metrics', isObject],
    ['locks', isObject],
    ['env', isObject],
  ];
  for (const [name, ok] of fields) if (!ok(data[name])) throw bad(`field '${name}' is missing or mistyped`);
  for (const [name, st] of Object.entries(data.stages as object)) {
    if (!isObject(st) || !isString(st.status) || !isObject(st.outs)) throw bad(`stage '${name}' is malformed`);
    if (st.components !== undefined && st.components !== null && !isObject(st.components)) throw bad(`stage '${name}' is malformed`);
  }
  try {
    checkRecordPaths(data as unknown as RunRecord, `run ${runId}`);
  } catch (e) {
    if (!isReproError(e, 'E_PATH_ESCAPE') && !isReproError(e, 'E_CONFIG')) throw e;
    // E_RECORD, not E_PATH_ESCAPE: `log` and `lineage` list such a run with its error and go on.
    throw new ReproError('E_RECORD', `malformed run record (${e.message}): '${runId}'`, { hint: bad('').hint, cause: e });
  }
  return data as unknown as RunRecord;
}

/**
 * Every path a record holds, checked as untrusted input (a run ref is whatever was pushed): the
 * outputs and key components of each stage, the lock files and the metrics files.
 */
function checkRecordPaths(rec: RunRecord, source: string): void {
  for (const [name, st] of Object.entries(rec.stages)) {
    for (const p of Object.keys(st.outs)) checkStoredPath(p, `${source} stage '${name}', outs`);
    if (st.components) checkEntryPaths(st.components, `${source} stage '${name}' components`);
  }
  for (const p of Object.keys(rec.locks)) checkStoredPath(p, `${source}, locks`);
  for (const p of Object.keys(rec.metrics)) checkStoredPath(p, `${source}, metrics`);
}

/** The record of `run`; a commit without one, or a bad one, is `E_RECORD`. */
export async function readRecord(repo: RepoInfo, run: RunRef): Promise<RunRecord> {
  const bytes = await readCommitFile(repo, run.commit, RECORD_PATH);
  if (bytes === null) {
    throw new ReproError('E_RECORD', `run commit has no record at ${RECORD_PATH}: '${run.id}'`, {
      hint: `the ref ${RUNS_PREFIX}${run.id} was not written by repro`,
    });
  }
  return parseRecord(Buffer.from(bytes).toString('utf8'), run.id);
}

/** The run `arg` names: see resolveRunName (ops/records/resolve.ts), the one resolver of a RUN. */
export async function resolveRun(repo: RepoInfo, arg: string, runs?: RunRef[]): Promise<RunRef> {
  return resolveRunName(repo, arg, { runs });
}

/**
 * The runs that belong to HEAD's first-parent history: those whose parent (the commit the run
 * started from) is on it, plus runs made before the first commit (no parent). Walks history only
 * as far as needed to place every run, in chunks, so a long history with recent runs is cheap.
 * Keeps the order of `runs`.
 */
export async function runsOnHistory(repo: RepoInfo, runs: RunRef[]): Promise<RunRef[]> {
  const wanted = new Set(runs.map((r) => r.parent).filter((p): p is string => p !== null));
  const found = new Set<string>();
  if (repo.head !== null && wanted.size > 0) {
    let from = repo.head;
    let first = true;
    for (;;) {
      const chunk = await firstParentHistory(repo, from, 256);
      const fresh = first ? chunk : chunk.slice(1);
      first = false;
      for (const c of fresh) if (wanted.has(c)) found.add(c);
      if (fresh.length === 0 || found.size === wanted.size || chunk.length < 256) break;
      from = chunk[chunk.length - 1]!;
    }
  }
  return runs.filter((r) => r.parent === null || found.has(r.parent));
}

/**
 * This machine's fingerprint, probed the way a run probes it, with the tools `recorded` lists,
 * so `diffFingerprints(recorded, current)` compares like with like.
 */
export async function currentFingerprint(recorded: EnvFingerprint | undefined, root: string): Promise<EnvFingerprint> {
  const tools = Object.entries(recorded?.tools ?? {}).map(([name, t]) => ({ name, cmd: t.cmd }));
  const { machineFingerprint } = await import('./environment.js');
  return machineFingerprint(tools, root);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}
