import { join } from 'node:path';
import { acquireRepoLock } from '../../core/repolock.js';
import { mark } from '../../core/timing.js';
import { prepareShells } from '../../exec/index.js';
import type { EnvFingerprint } from '../../env/index.js';
import { loadPipeline, selectStages, type Pipeline, type Stage } from '../../pipeline/index.js';
import { readLock, writeLock, type KeyComponents, type LockFile, type LockOut } from '../../lock/index.js';
import { openContext } from '../context.js';
import { makeEvaluator } from './evaluate.js';
import { fingerprintTools, machineFingerprint } from '../records/environment.js';
import { syncIgnoredOutputs } from './gitignore.js';
import { checkOverrideTargets, parseOverride, prepareOverrides, refuseSecretParams, writeOverrides } from './overrides.js';
import type { Reason } from './reasons.js';
import type { RecordExtras } from '../records/write.js';
import type { MetricsByFile } from '../metrics/read.js';
import { Scheduler } from './scheduler.js';
import { clearAfter } from './takeover.js';
import { compactRunCache } from './runcache.js';

export interface RunOptions {
  cwd: string;
  targets?: string[];
  force?: boolean;
  dry?: boolean;
  downstream?: boolean;
  /** `-S [file:]key=value`, written into the params file before the pipeline is read. */
  overrides?: string[];
  /** Overrides every stage seed (not stages with `seed: false`). */
  seed?: number;
  jobs?: number;
  /** Write a run record in Git (default: `.exprc` run.record, true). */
  record?: boolean;
  message?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** The command line, for the record. */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Passed to the run record (a seed sweep's id); with a sweep the run is recorded even when nothing ran. */
  recordExtras?: RecordExtras;
  /** `--pull [-r NAME]`: a stale stage's key is looked up in the remote run cache (true: the default remote) before it executes. */
  pull?: boolean | string;
  /** The machine fingerprint for the record, when probing already started (see environment.ts). */
  environment?: Promise<EnvFingerprint>;
}

export type StageStatus = 'executed' | 'restored' | 'up-to-date' | 'frozen' | 'failed' | 'not-run' | 'would-run';

export interface StageResult {
  name: string;
  status: StageStatus;
  reasons: Reason[];
  key?: string;
  seed: number | null;
  exitCode?: number | null;
  durationMs?: number;
  outs?: Record<string, LockOut>;
  stderrTail?: string[];
  error?: string;
  components?: KeyComponents;
  /** Restored from this remote's run cache (`run --pull`). */
  fromRemote?: string;
}

export interface RunResult {
  ok: boolean;
  interrupted: boolean;
  stages: StageResult[];
  startedAt: string;
  endedAt: string;
  runId?: string;
  recordCommit?: string;
  /** The workspace metrics after the run, when the record read them (a sweep reuses them). */
  metrics?: MetricsByFile;
  /** Set when the run itself succeeded but writing its record failed. */
  recordError?: string;
  /** What the record left out, in words (e.g. a metrics file that is not JSON or YAML). */
  recordWarnings?: string[];
}

export type RunEvent =
  | { type: 'stage-start'; stage: string; reasons: Reason[]; restore: boolean }
  | { type: 'stage-output'; stage: string; line: string; stream: 'stdout' | 'stderr' }
  | { type: 'stage-end'; result: StageResult }
  | { type: 'notice'; text: string };

/**
 * `repro run`: bring the selected stages up to date, in dependency order, `jobs` at a time.
 * The lock is written atomically at the end (and on failure or interrupt) with every stage that
 * succeeded; the object cache and run cache are written atomically as each stage ends, so a
 * killed run loses at most the lock entries, which the run cache restores on the next run.
 */
export async function run(opts: RunOptions): Promise<RunResult> {
  mark('run: start');
  const ctx = await openContext(opts.cwd);
  const startedAt = new Date().toISOString();
  const lock = opts.dry
    ? null
    : await acquireRepoLock(join(ctx.stateDir, 'lock'), {
        command: 'run',
        onStale: (h) => opts.onEvent?.({ type: 'notice', text: `taking over a stale lock left by pid ${h.pid}` }),
      });
  try {
    const overrides = (opts.overrides ?? []).map(parseOverride);
    // A real run writes -S into the params files (as DVC does); --dry only applies them in memory.
    // Checked first; put back if the pipeline then fails to load or the selection is wrong.
    const prepared = overrides.length ? await prepareOverrides(ctx.root, overrides) : undefined;
    if (prepared && !opts.dry) await writeOverrides(ctx.root, prepared, 'after');
    mark('run: context and repository lock');
    let pipeline: Pipeline;
    let lockFile: LockFile;
    let selected: Stage[];
    try {
      pipeline = await loadPipeline(ctx.root, {
        seed: opts.seed,
        overrides: opts.dry ? Object.fromEntries(overrides.map((o) => [`${o.file}:${o.key}`, o.value])) : undefined,
      });
      checkOverrideTargets(pipeline, overrides);
      if (!opts.dry) await refuseSecretParams(pipeline, ctx.stateDir);
      if (lock?.tookOver) await clearAfter(lock.tookOver, ctx, pipeline, (text) => opts.onEvent?.({ type: 'notice', text }));
      mark('run: pipeline loaded');
      lockFile = await readLock(ctx.root);
      selected = selectStages(pipeline, opts.targets ?? [], { downstream: opts.downstream });
    } catch (e) {
      if (prepared && !opts.dry) await writeOverrides(ctx.root, prepared, 'before');
      throw e;
    }
    // A stage that never ran will run: start the shell helper now, so its start-up (~5 ms)
    // overlaps the planning below instead of delaying the first command.
    if (!opts.dry && selected.some((s) => !lockFile.stages[s.name])) prepareShells();
    const ev = await makeEvaluator(ctx, pipeline, opts.env);
    const record = !opts.dry && (opts.record ?? ctx.config.run.record);
    // Probe the machine for the record while the first stage works, not after the last one.
    const onWork = (): void => {
      if (!record || opts.environment) return;
      const probing = machineFingerprint(fingerprintTools(ctx, pipeline));
      probing.catch(() => undefined); // awaited (and reported) by recordRun; never unhandled
      opts.environment = probing;
      void import('../records/write.js').then((m) => m.preloadRecorder()); // load the Git writer and secret rules while the stage's child runs
    };
    // Outputs are git-ignored before any command runs, so a run killed midway never leaves big
    // outputs showing as untracked (and ready for `git add -A`).
    if (!opts.dry)
      await syncIgnoredOutputs(
        ctx.root,
        pipeline.stages.flatMap((s) => s.outs.filter((o) => !o.git).map((o) => o.path)),
      );
    const sched = new Scheduler(ctx, pipeline, lockFile, ev, { ...opts, onWork, runToken: lock?.token });
    mark('run: planning done, scheduling');
    const stages = await sched.runAll(selected);
    mark('run: every stage settled');
    // Ctrl-C after the last command started still counts: the work finishes (outputs stored, lock
    // and record written, nothing half-done), and the run says it was interrupted (exit 130).
    const interrupted = sched.interrupted || Boolean(opts.signal?.aborted);
    const result: RunResult = {
      ok: stages.every((s) => s.status !== 'failed') && !interrupted,
      interrupted,
      stages,
      startedAt,
      endedAt: new Date().toISOString(),
    };
    await ctx.cache.flush();
    compactRunCache(ctx.stateDir);
    if (!opts.dry) {
      for (const name of Object.keys(lockFile.stages)) {
        if (!pipeline.byName.has(name)) {
          delete lockFile.stages[name];
          sched.lockDirty = true;
        }
      }
      // The record (which holds the new lock's text) is written before the lock itself: a run
      // killed in between leaves an old lock, so the next run brings the stages up to date again
      // (from the run cache) and records that. The other order lost the record for good: the
      // next run found everything up to date and had nothing to record.
      if (
        record &&
        (opts.recordExtras?.sweep || stages.some((s) => s.status === 'executed' || s.status === 'restored' || s.status === 'failed'))
      ) {
        const { recordRun } = await import('../records/write.js');
        await recordRun(ctx, pipeline, lockFile, result, opts, opts.recordExtras);
      }
      if (sched.lockDirty) await writeLock(ctx.root, lockFile);
    }
    return result;
  } finally {
    await lock?.release();
  }
}
