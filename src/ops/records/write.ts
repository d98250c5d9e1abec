import { findSecretsEach, preloadSecretRules, redactDeep, redactTextsFully } from '../../env/index.js';
import { fingerprintTools, machineFingerprint } from './environment.js';
import { findRepo, newRunId, snapshotTreeAndDirty, writeRunCommit } from '../../record/index.js';
import type { RecordExtras, RecordStage, RecordVersion, RunRecord, WithheldFile } from '../../model/record.js';
import type { RunOptions, RunResult } from '../../model/run.js';
import { serializeLock, type LockFile } from '../../lock/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { ReproError } from '../../core/errors.js';
import { mark } from '../../core/timing.js';
import type { RepoContext } from '../context.js';
import { readWorkspaceMetrics } from '../metrics/read.js';

/** Where the record lives in a run commit's tree. */
export const RECORD_PATH = '.repro-run/record.json';
/**
 * The record format this build writes, and the newest read.ts accepts: the one version constant
 * (its type, RecordVersion in model/record.ts, ties RunRecord's `format` to it). Bump both together.
 */
export const RECORD_VERSION: RecordVersion = 1;
const RECORD_FORMAT: RunRecord['format'] = `repro-run/${RECORD_VERSION}`;

export type { RecordExtras, RecordStage, RunRecord };

/** Start loading what writing a record needs beyond this module (the secret rule set), in the background. */
export function preloadRecorder(): void {
  preloadSecretRules();
}

/**
 * Write the run as a commit under refs/repro/runs/<id>: the tracked files as they are now, the
 * lock about to be written (`lock`, serialised here: run() writes the file after the record), and
 * the record. Failure to record does not fail the run: it is reported on the result
 * (`recordError`), since the outputs are in place and the lock is written next. Only the failures
 * of isRecordFailure are: a bug propagates.
 *
 * A metrics file that is not JSON or YAML (or holds no mapping) does not lose the record: the run
 * is recorded without that file's values, and each such file gives a warning, returned and set
 * on the result (`recordWarnings`) once the record is written ("metrics file 'm.json' is not JSON or YAML;
 * recorded without its values").
 */
export async function recordRun(
  ctx: RepoContext,
  pipeline: Pipeline,
  lock: LockFile,
  result: RunResult,
  opts: RunOptions,
  extras: RecordExtras = {},
): Promise<{ warnings: string[] }> {
  const warnings: string[] = [];
  mark('record: start');
  try {
    const repo = await findRepo(ctx.root);
    const id = newRunId(new Date(result.startedAt));
    const env = await (opts.environment ?? machineFingerprint(fingerprintTools(ctx, pipeline), ctx.root));
    mark('record: fingerprint ready');
    const stages: Record<string, RecordStage> = {};
    for (const s of result.stages) {
      stages[s.name] = {
        status: s.status,
        key: s.key ?? null,
        components: s.components ?? null,
        seed: s.seed,
        exit_code: s.exitCode ?? null,
        duration_ms: s.durationMs !== undefined ? Math.round(s.durationMs) : null,
        outs: s.outs ?? {},
        error: s.error ?? null,
        stderr_tail: s.stderrTail ?? [],
        source_date_epoch: lock.stages[s.name]?.source_date_epoch ?? null,
        observed: lock.stages[s.name]?.observed ?? null,
      };
    }
    const anyEntry = Object.values(lock.stages)[0];
    const record: RunRecord = {
      format: RECORD_FORMAT,
      id,
      message: opts.message ?? null,
      argv: opts.argv ?? [],
      started_at: result.startedAt,
      ended_at: result.endedAt,
      status: result.interrupted ? 'interrupted' : result.ok ? 'ok' : 'failed',
      source: { commit: repo.head, branch: repo.branch, dirty: false },
      seed: opts.seed ?? null,
      sweep: extras.sweep ?? null,
      stages,
      metrics: (result.metrics = await readWorkspaceMetrics(pipeline, {
        onUnreadable: (u) => warnings.push(`metrics file '${u.path}' ${u.problem}; recorded without its values`),
      })),
      locks: anyEntry?.locks ?? {},
      env,
      untracked: [],
      withheld: [],
    };
    // Every string of the record but the fingerprint (which fingerprint() redacted, and whose tool
    // hashes are of the stored text) goes through the full rule set: a pasted token in -m, a
    // credential a failing stage printed, whatever field it lands in.
    const { env: _fp, ...rest } = record;
    Object.assign(record, await redactDeep(rest, opts.env ?? process.env));
    mark('record: fingerprint and record text redacted');
    const rawLock = serializeLock(lock);
    const [lockText] = await redactTextsFully([rawLock], opts.env ?? process.env);
    if (lockText !== rawLock) warnings.push("repro.lock holds a value that looks like a credential: the run's copy has it as [redacted]");
    // Dirty means the user's tracked files differ from HEAD; what this run itself wrote (the
    // lock, .gitignore entries, declared outputs such as metrics files) does not count.
    const written = pipeline.stages.flatMap((st) => st.outs.map((o) => o.path));
    const isOutput = (p: string): boolean => written.some((w) => p === w || p.startsWith(w + '/'));
    const {
      tree: finalTree,
      untracked,
      withheld,
    } = await snapshotTreeAndDirty({
      repo,
      ignore: (p) => p === 'repro.lock' || p === '.gitignore' || isOutput(p),
      replaced: ['repro.lock', RECORD_PATH],
      include: snapshotInputs(pipeline),
      exclude: isOutput,
      screen: (files) => screenFiles(files),
      extraFiles: (dirty, outcome) => {
        record.source.dirty = dirty;
        record.untracked = outcome.untracked;
        record.withheld = outcome.withheld;
        return { 'repro.lock': lockText!, [RECORD_PATH]: JSON.stringify(record, null, 2) + '\n' };
      },
    });
    warnings.push(...snapshotWarnings({ untracked, withheld, noCommit: repo.head === null }));
    const summary = `repro run ${id}: ${record.status}${record.message ? `\n\n${record.message}` : ''}`;
    const commit = await writeRunCommit({ repo, runId: id, tree: finalTree, message: summary, parents: repo.head ? [repo.head] : [] });
    result.runId = id;
    result.recordCommit = commit;
    if (warnings.length) result.recordWarnings = warnings;
    mark('record: written');
  } catch (e) {
    if (!isRecordFailure(e)) throw e;
    result.recordError = e.message;
  }
  return { warnings };
}

/**
 * The failures a record may meet on a sound build, reported on the result: repro's own errors (no
 * Git repository, a Git operation refused, a ref moved) and the OS's (a full disk, a read-only
 * `.git`). Anything else is a bug and propagates, so it is not passed off as a Git problem.
 */
function isRecordFailure(e: unknown): e is Error {
  if (e instanceof ReproError) return true;
  const errno = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof errno.code === 'string' && typeof errno.syscall === 'string';
}

/**
 * A run's declared inputs, for its snapshot: the pipeline file, its params and lock files, and
 * every stage's deps (the snapshot leaves out what is tracked already and what a stage writes).
 */
function snapshotInputs(pipeline: Pipeline): string[] {
  const paths = new Set<string>([pipeline.file, '.exprc', ...pipeline.paramsData.keys(), ...pipeline.locks]);
  for (const st of pipeline.stages) for (const d of st.deps) paths.add(d.path);
  return [...paths].sort();
}

/** Only this much of a file is screened: a secret is in the text part of a file, near its start, or in a small file. */
const SCREEN_BYTES = 4 * 2 ** 20;

/**
 * The rule each file matches, or null: the text of every file (a binary file's first 4 MiB read
 * as Latin-1, so token shapes in it still show) through the built-in table and the maintained
 * rule set, in one lint.
 */
async function screenFiles(files: { path: string; content: Uint8Array }[]): Promise<(string | null)[]> {
  const texts = files.map((f) => Buffer.from(f.content.subarray(0, SCREEN_BYTES)).toString(isBinary(f.content) ? 'latin1' : 'utf8'));
  const found = await findSecretsEach(texts);
  return found.map((f) => f[0]?.rule ?? null);
}

function isBinary(b: Uint8Array): boolean {
  return b.subarray(0, 8000).includes(0);
}

/** What a run's output says about its snapshot (also `record_warnings` in `run --json`). */
function snapshotWarnings(o: { untracked: string[]; withheld: WithheldFile[]; noCommit: boolean }): string[] {
  const out: string[] = [];
  if (o.untracked.length) {
    const list =
      o.untracked
        .slice(0, 5)
        .map((p) => `'${p}'`)
        .join(', ') + (o.untracked.length > 5 ? ` and ${o.untracked.length - 5} more` : '');
    out.push(
      `the run's snapshot includes ${o.untracked.length} untracked input file${o.untracked.length > 1 ? 's' : ''} (${list}); 'git add' them to track them`,
    );
  }
  for (const w of o.withheld.filter((x) => x.rule !== null)) out.push(`withheld '${w.path}' from the run's snapshot: ${w.reason}`);
  const big = o.withheld.filter((x) => x.rule === null);
  if (big.length) {
    const list =
      big
        .slice(0, 5)
        .map((w) => `'${w.path}'`)
        .join(', ') + (big.length > 5 ? ` and ${big.length - 5} more` : '');
    out.push(
      `left ${big.length} untracked input file${big.length > 1 ? 's' : ''} out of the run's snapshot, over the size cap (${list}); replay takes them from the workspace`,
    );
  }
  if (o.noCommit && o.withheld.length) out.push('the run has no source commit: its snapshot cannot replay without the withheld files');
  return out;
}
