import { redactText, type EnvFingerprint } from '../env/index.js';
import { fingerprintTools, machineFingerprint } from './environment.js';
import { findRepo, newRunId, snapshotTreeAndDirty, writeRunCommit } from '../record/index.js';
import { serializeLock, type LockFile } from '../lock/index.js';
import type { Pipeline } from '../pipeline/index.js';
import type { RepoContext } from './context.js';
import { readWorkspaceMetrics, type MetricsByFile } from './metrics.js';
import type { RunOptions, RunResult, StageResult } from './run.js';

/** Where the record lives in a run commit's tree. */
export const RECORD_PATH = '.repro-run/record.json';
const RECORD_FORMAT = 'repro-run/1';

/**
 * The run record (docs/records.md): everything needed to say what produced a result and to
 * replay it. Stored as canonical, pretty JSON at RECORD_PATH in the run commit.
 */
export interface RunRecord {
  format: typeof RECORD_FORMAT;
  id: string;
  message: string | null;
  argv: string[];
  started_at: string;
  ended_at: string;
  status: 'ok' | 'failed' | 'interrupted';
  source: { commit: string | null; branch: string | null; dirty: boolean };
  /** `--seed` given on the command line, else null (each stage's own seed is per stage). */
  seed: number | null;
  sweep: { id: string; seeds: number[]; index: number } | null;
  stages: Record<string, RecordStage>;
  metrics: MetricsByFile;
  locks: Record<string, string>;
  env: EnvFingerprint;
}

export interface RecordStage {
  status: StageResult['status'];
  key: string | null;
  components: StageResult['components'] | null;
  seed: number | null;
  exit_code: number | null;
  duration_ms: number | null;
  outs: NonNullable<StageResult['outs']>;
  error: string | null;
  stderr_tail: string[];
}

export interface RecordExtras {
  sweep?: RunRecord['sweep'];
}

/**
 * Write the run as a commit under refs/repro/runs/<id>: the tracked files as they are now, the
 * lock about to be written (`lock`, serialised here: run() writes the file after the record), and
 * the record. Failure to record does not fail the run: it is reported on the result
 * (`recordError`), since the outputs are in place and the lock is written next.
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
  try {
    const repo = await findRepo(ctx.root);
    const id = newRunId(new Date(result.startedAt));
    const env = await (opts.environment ?? machineFingerprint(fingerprintTools(ctx, pipeline)));
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
      };
    }
    const anyEntry = Object.values(lock.stages)[0];
    const record: RunRecord = {
      format: RECORD_FORMAT,
      id,
      message: opts.message === undefined ? null : redactText(opts.message), // a pasted token must not reach Git
      argv: (opts.argv ?? []).map((a) => redactText(a)),
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
    };
    const lockText = serializeLock(lock);
    // Dirty means the user's tracked files differ from HEAD; what this run itself wrote (the
    // lock, .gitignore entries, declared outputs such as metrics files) does not count.
    const written = pipeline.stages.flatMap((st) => st.outs.map((o) => o.path));
    const { tree: finalTree } = await snapshotTreeAndDirty({
      repo,
      ignore: (p) => p === 'repro.lock' || p === '.gitignore' || written.some((w) => p === w || p.startsWith(w + '/')),
      extraFiles: (dirty) => {
        record.source.dirty = dirty;
        return { 'repro.lock': lockText, [RECORD_PATH]: JSON.stringify(record, null, 2) + '\n' };
      },
    });
    const summary = `repro run ${id}: ${record.status}${record.message ? `\n\n${record.message}` : ''}`;
    const commit = await writeRunCommit({ repo, runId: id, tree: finalTree, message: summary, parents: repo.head ? [repo.head] : [] });
    result.runId = id;
    result.recordCommit = commit;
    if (warnings.length) result.recordWarnings = warnings;
  } catch (e) {
    result.recordError = (e as Error).message;
  }
  return { warnings };
}
