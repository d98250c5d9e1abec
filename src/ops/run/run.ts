import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acquireRepoLock } from '../../core/repolock.js';
import { mark } from '../../core/timing.js';
import { prepareShells } from '../../exec/index.js';
import { loadPipeline, selectStages, type Pipeline, type Stage } from '../../pipeline/index.js';
import { readLock, writeLock, type LockFile } from '../../lock/index.js';
import type { RunEvent, RunOptions, RunResult, StageResult, StageStatus } from '../../model/run.js';
import { openContext } from '../context.js';
import { makeEvaluator } from './evaluate.js';
import { fingerprintTools, machineFingerprint } from '../records/environment.js';
import { syncIgnoredOutputs } from './gitignore.js';
import { checkOverrideTargets, parseOverride, prepareOverrides, refuseSecretParams, writeOverrides } from './overrides.js';
import { Scheduler } from './scheduler.js';
import { killDeadRunLeftovers } from './takeover.js';
import { compactRunCache } from './runcache.js';
import { sourceDateEpoch } from './epoch.js';
import { readSummary, removeSummary, summaryApplies, writeSummary, type SummaryHit } from './noop.js';

export type { RunEvent, RunOptions, RunResult, StageResult, StageStatus };

/**
 * `repro run`: bring the selected stages up to date, in dependency order, `jobs` at a time.
 * The lock is written atomically at the end (and on failure or interrupt) with every stage that
 * succeeded; the object cache and run cache are written atomically as each stage ends, so a
 * killed run loses at most the lock entries, which the run cache restores on the next run.
 */
export async function run(opts: RunOptions, hooks: { onSummary?: (hit: SummaryHit) => void } = {}): Promise<RunResult> {
  // Before anything is read: what the no-op summary's signatures must be older than (noop.ts).
  const tRef = Date.now();
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
    // An unchanged workspace: every stage up to date, from one stat per path (ops/run/noop.ts).
    // Leftovers in .repro/held/ mean a run died with stages queued: the full run clears them.
    const summarise = summaryApplies(opts) && !lock?.tookOver && (opts.dry || !existsSync(join(ctx.stateDir, 'held')));
    if (summarise) {
      const hit = await readSummary(ctx, { byRun: !opts.dry, env: opts.env });
      if (hit) {
        mark('run: the no-op summary holds');
        hooks.onSummary?.(hit);
        opts.onEvent?.({ type: 'plan', stages: hit.stages.map((s) => s.name) });
        for (const r of hit.stages) opts.onEvent?.({ type: 'stage-end', result: r });
        return { ok: true, interrupted: false, stages: hit.stages, startedAt, endedAt: new Date().toISOString() };
      }
    }
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
      if (lock?.tookOver) await killDeadRunLeftovers(lock.tookOver, ctx, pipeline, (text) => opts.onEvent?.({ type: 'notice', text }));
      mark('run: pipeline loaded');
      lockFile = await readLock(ctx.root);
      selected = selectStages(pipeline, opts.targets ?? [], { downstream: opts.downstream });
    } catch (e) {
      if (prepared && !opts.dry) await writeOverrides(ctx.root, prepared, 'before');
      throw e;
    }
    // A stage that never ran will run: start the shell helper now, so its start-up (~5 ms)
    // overlaps the planning below instead of delaying the first command.
    // It also looks SOURCE_DATE_EPOCH up now (a few `git` calls, ~20 ms on an idle machine and
    // far more on a loaded one), overlapping the planning, instead of before the first command.
    let epoch: Promise<number | null> | undefined;
    if (!opts.dry && selected.some((s) => !lockFile.stages[s.name])) {
      prepareShells();
      epoch = sourceDateEpoch(ctx, opts.env ?? process.env);
      epoch.catch(() => undefined); // awaited (and thrown) by the first stage that executes
    }
    const ev = await makeEvaluator(ctx, pipeline, opts.env, { run: { dry: Boolean(opts.dry), force: Boolean(opts.force) } });
    const record = !opts.dry && (opts.record ?? ctx.config.run.record);
    // Probe the machine for the record while the first stage works, not after the last one.
    const onWork = (): void => {
      if (!record || opts.environment) return;
      const probing = machineFingerprint(fingerprintTools(ctx, pipeline), ctx.root);
      probing.catch(() => undefined); // awaited (and reported) by recordRun; never unhandled
      opts.environment = probing;
      void import('../records/write.js').then((m) => m.preloadRecorder()); // load the Git writer and secret rules while the stage's child runs
    };
    // Outputs are git-ignored before any command runs, so a run killed midway never leaves big
    // outputs showing as untracked (and ready for `git add -A`).
    const ignoreChanged =
      !opts.dry &&
      (await syncIgnoredOutputs(
        ctx.root,
        pipeline.stages.flatMap((s) => s.outs.filter((o) => !o.git).map((o) => o.path)),
      ));
    const sched = new Scheduler(ctx, pipeline, lockFile, ev, { ...opts, onWork, runToken: lock?.token, epoch });
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
    if (summarise) {
      const noop =
        !interrupted && !sched.lockDirty && !ignoreChanged && stages.every((s) => s.status === 'up-to-date' || s.status === 'frozen');
      if (noop) await writeSummary(ctx, pipeline, lockFile, stages, { byRun: !opts.dry, tRef, env: opts.env });
      else if (!opts.dry) removeSummary(ctx);
    }
    return result;
  } finally {
    await lock?.release();
  }
}
