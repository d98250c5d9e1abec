import { Semaphore } from '../../core/semaphore.js';
import { failureText, spawnerInUse, type StageRunResult } from '../../exec/index.js';
import { redactText } from '../../env/index.js';
import type { Pipeline, Stage } from '../../pipeline/index.js';
import type { KeyComponents, LockFile, LockOut } from '../../lock/index.js';
import type { RepoContext } from '../context.js';
import type { Evaluator } from './evaluate.js';
import { explainKeyChange, type Reason } from './reasons.js';
import { runCacheEpoch, writeRunCache } from './runcache.js';
import { hostname } from 'node:os';
import type { RunOptions, StageResult } from '../../model/run.js';
import { RUN_TOKEN_VAR } from './takeover.js';
import { sourceDateEpoch } from './epoch.js';
import { restorable, restoreOuts } from './restore.js';
import { HeldOutputs } from './held.js';
import { ReadyQueue } from './ready.js';
import { missingDepsText, unproducedDeps } from './missing.js';
import { storeOutputs } from './store.js';
import { runCommand, type CommandContext } from './command.js';
import { lockEntry } from './lock-entry.js';

/**
 * Walks the selected stages in dependency order for `run()`: for each ready stage, decides
 * up to date / restore from the run cache / execute, and records successes in the in-memory
 * lock (`lockDirty`). `jobs` bounds concurrent commands; a couple more stages may be in flight.
 */
export class Scheduler {
  interrupted = false;
  lockDirty = false;
  private readonly results = new Map<string, StageResult>();
  private slots = new Semaphore(1);
  private jobs = 1;
  private queued = false;
  private readonly madeDirs = new Set<string>();
  /** A plain copy of the environment, made once: each read of `process.env` goes through getenv. */
  private readonly baseEnv: Record<string, string>;
  private readonly willChange = new Set<string>();
  /** Where a queued stage's old outputs wait until its command starts (see command.ts). */
  private readonly held: HeldOutputs;
  /** Looked up once: os.hostname() is a uname call each time. */
  private readonly host = hostname();
  /** SOURCE_DATE_EPOCH for this run's commands: looked up by run() when a stage never ran, else when the first stage executes. */
  private epoch?: Promise<number | null>;

  constructor(
    private readonly ctx: RepoContext,
    private readonly p: Pipeline,
    private readonly lock: LockFile,
    private readonly ev: Evaluator,
    private readonly opts: RunOptions & { onWork?: () => void; runToken?: string; epoch?: Promise<number | null> },
  ) {
    this.epoch = opts.epoch;
    this.baseEnv = { ...(opts.env ?? process.env) } as Record<string, string>;
    // Marks every stage process as this run's, so a run taking over after a kill -9 can find
    // and stop what is left of it (ops/run/takeover.ts).
    if (opts.runToken) this.baseEnv[RUN_TOKEN_VAR] = opts.runToken;
    this.held = new HeldOutputs(ctx.stateDir);
  }

  private remoteRc: import('../remote/index.js').RemoteRunCache | undefined;

  async runAll(selected: Stage[]): Promise<StageResult[]> {
    const jobs = Math.max(1, this.opts.jobs ?? this.ctx.config.run.jobs);
    this.jobs = jobs;
    // `jobs` bounds the commands running at once. Through repro-spawner the helper enforces it:
    // every ready stage is handed over at once and waits in its queue, so the next command
    // starts the moment one ends, with no round trip through this process. Otherwise a
    // semaphore here does, and a couple more stages are in flight so that hashing and storing
    // one stage's outputs overlaps the next stage's command.
    this.queued = spawnerInUse();
    if (!this.opts.dry) this.held.clearLeftovers();
    this.slots = new Semaphore(this.queued ? Number.POSITIVE_INFINITY : jobs);
    const inflight = this.queued ? Number.POSITIVE_INFINITY : jobs + 2;

    // Event-driven, O(stages + edges): see ReadyQueue.
    this.opts.onEvent?.({ type: 'plan', stages: selected.map((s) => s.name) });
    const ready = new ReadyQueue(selected, this.p.upstream);
    const started = new Set<string>();
    let running = 0;

    await new Promise<void>((resolve, reject) => {
      // An exception in a stage (not a failing command: that is a result) ends the run: nothing
      // more starts, and it is rethrown once the stages already running have settled.
      let error: { e: unknown } | undefined;
      const pump = (): void => {
        if (this.opts.signal?.aborted) this.interrupted = true;
        while (ready.size && running < inflight && !this.interrupted && !error) {
          const s = ready.take()!;
          started.add(s.name);
          running++;
          this.bringStageUpToDate(s)
            .then((r) => {
              this.results.set(s.name, r);
              this.opts.onEvent?.({ type: 'stage-end', result: r });
              ready.done(s.name);
            })
            .catch((e: unknown) => {
              error ??= { e };
            })
            .finally(() => {
              running--;
              pump();
            });
        }
        if (running > 0) return;
        if (error) {
          reject(error.e);
          return;
        }
        if (ready.size === 0 && started.size < selected.length && !this.interrupted) {
          reject(new Error('scheduler stalled: a dependency is not in the selection'));
          return;
        }
        if (ready.size === 0 || this.interrupted) resolve();
      };
      pump();
    }).finally(() => this.remoteRc?.close());
    for (const s of selected) {
      if (started.has(s.name)) continue;
      this.results.set(s.name, { name: s.name, status: 'not-run', reasons: [], seed: s.seed, error: 'interrupted' });
    }
    return selected.map((s) => this.results.get(s.name)!);
  }

  private async bringStageUpToDate(stage: Stage): Promise<StageResult> {
    const base = { name: stage.name, seed: stage.seed };
    const failedUp = (this.p.upstream.get(stage.name) ?? []).filter((u) => {
      const st = this.results.get(u)?.status;
      return st === 'failed' || st === 'not-run';
    });
    if (failedUp.length) {
      return {
        ...base,
        status: 'not-run',
        reasons: failedUp.map((u) => ({ kind: 'upstream' as const, stage: u })),
        error: `upstream stage '${failedUp[0]}' did not succeed`,
      };
    }
    const entry = this.lock.stages[stage.name];
    if (stage.frozen && entry) return { ...base, status: 'frozen', reasons: [], key: entry.key };
    const comps = await this.ev.components(stage);
    const key = this.ev.key(comps);
    const reasons = explainKeyChange(entry, comps);
    // A dry run (status) lists output problems next to a changed key too: every reason.
    if (entry && (reasons.length === 0 || this.opts.dry)) reasons.push(...(await this.ev.outputProblems(stage, entry)));
    if (stage.alwaysChanged) reasons.push({ kind: 'always-changed' });
    if (this.opts.force && reasons.length === 0) reasons.push({ kind: 'forced' });
    const upChanging = (this.p.upstream.get(stage.name) ?? []).filter((u) => this.willChange.has(u));
    if (this.opts.dry && upChanging.length) reasons.push(...upChanging.map((u) => ({ kind: 'upstream' as const, stage: u })));
    if (!upChanging.length) {
      // Name missing deps even for a stage that never ran (explainKeyChange stops at never-run).
      for (const d of stage.deps) {
        if (comps.deps[d.path] !== '' || reasons.some((r) => r.kind === 'dep' && r.path === d.path)) continue;
        reasons.push({ kind: 'dep', path: d.path, from: entry?.deps[d.path] ?? null, to: '' });
      }
    }
    if (reasons.length === 0) return { ...base, status: 'up-to-date', reasons, key, components: comps };
    if (this.opts.dry) {
      this.willChange.add(stage.name);
      // What the real run would fail on below: a missing dep that no upstream stage due to run makes.
      const producers = upChanging.flatMap((u) => this.p.byName.get(u)?.outs.map((o) => o.path) ?? []);
      const doomed = unproducedDeps(
        stage.deps.filter((d) => comps.deps[d.path] === ''),
        producers,
      );
      return {
        ...base,
        status: 'would-run',
        reasons,
        key,
        components: comps,
        ...(doomed.length ? { error: `would fail: ${missingDepsText(doomed)}` } : {}),
      };
    }
    const missing = stage.deps.filter((d) => comps.deps[d.path] === '');
    if (missing.length) {
      // Upstream stages ran already, so nothing will produce it: fail before the command does.
      return { ...base, status: 'failed', reasons, key, error: missingDepsText(missing) };
    }
    let cached = this.opts.force || stage.alwaysChanged ? null : await restorable(this.ctx, stage, key, this.lock.stages[stage.name]);
    const fromRemote =
      !cached && this.opts.pull && !this.opts.force && !stage.alwaysChanged ? await this.pullRunCache(stage, key) : undefined;
    if (fromRemote) cached = await restorable(this.ctx, stage, key, this.lock.stages[stage.name]);
    if (cached && 'bad' in cached) {
      // A bad cached output is never restored: the stage runs again, and says why.
      reasons.push(...cached.bad);
    } else if (cached) {
      this.opts.onWork?.();
      this.opts.onEvent?.({ type: 'stage-start', stage: stage.name, reasons, restore: true });
      // checkout verifies every object it places, so what the lock records is what is there.
      const bad = await restoreOuts(this.ctx, this.p.root, stage, cached.outs);
      if (!bad) {
        this.setLockEntry(stage, comps, key, cached.outs, runCacheEpoch(this.ctx.stateDir, key));
        return { ...base, status: 'restored', reasons, key, outs: cached.outs, components: comps, ...(fromRemote ? { fromRemote } : {}) };
      }
      reasons.push(bad);
    }
    return this.execute(stage, comps, key, reasons);
  }

  /**
   * `run --pull`: look `key` up in the remote run cache (ops/remote/remote-runcache.ts; loaded
   * and opened on the first stale stage only); on a hit its objects are fetched and the entry is
   * in the local run cache. The remote's name, or undefined on a miss.
   */
  private async pullRunCache(stage: Stage, key: string): Promise<string | undefined> {
    if (stage.outs.length === 0 || stage.outs.some((o) => !o.cache)) return undefined;
    if (!this.remoteRc) {
      const { remoteRunCache } = await import('../remote/index.js');
      this.remoteRc = remoteRunCache(this.ctx, typeof this.opts.pull === 'string' ? this.opts.pull : undefined);
    }
    return (await this.remoteRc.lookup(key, this.opts.signal)) ? this.remoteRc.name : undefined;
  }

  private async execute(stage: Stage, comps: KeyComponents, key: string, reasons: Reason[]): Promise<StageResult> {
    // Only the command holds a job slot: storing the outputs below overlaps the next command.
    const release = await this.slots.acquire();
    let res: StageRunResult;
    try {
      if (this.opts.signal?.aborted) {
        this.interrupted = true;
        return { name: stage.name, seed: stage.seed, status: 'not-run', reasons, key, error: 'interrupted' };
      }
      this.opts.onWork?.();
      res = await this.runCommand(stage, reasons);
    } finally {
      release();
    }
    if (res.aborted && !res.started) {
      // Dropped from repro-spawner's queue: nothing ran, and its outputs were put back.
      this.interrupted = true;
      return { name: stage.name, seed: stage.seed, status: 'not-run', reasons, key, error: 'interrupted' };
    }
    return this.finish(stage, comps, key, reasons, res);
  }

  private runCommand(stage: Stage, reasons: Reason[]): Promise<StageRunResult> {
    const c: CommandContext = {
      root: this.p.root,
      stateDir: this.ctx.stateDir,
      held: this.held,
      madeDirs: this.madeDirs,
      baseEnv: this.baseEnv,
      queued: this.queued,
      jobs: this.jobs,
      opts: this.opts,
      epoch: () => this.sourceDateEpoch(),
    };
    return runCommand(c, stage, reasons);
  }

  sourceDateEpoch(): Promise<number | null> {
    return (this.epoch ??= sourceDateEpoch(this.ctx, this.opts.env ?? process.env));
  }

  private async finish(stage: Stage, comps: KeyComponents, key: string, reasons: Reason[], res: StageRunResult): Promise<StageResult> {
    const root = this.p.root;
    const base = { name: stage.name, seed: stage.seed, reasons, key, durationMs: res.durationMs, exitCode: res.exitCode };
    if (res.aborted) {
      this.interrupted = true;
      return { ...base, status: 'failed', error: 'interrupted', stderrTail: res.stderrTail.map((l) => redactText(l)) };
    }
    if (res.exitCode !== 0) {
      const why = failureText(res);
      return {
        ...base,
        status: 'failed',
        error: `command ${why}${res.failedCmd && stage.cmd.length > 1 ? `: ${res.failedCmd}` : ''}`,
        stderrTail: res.stderrTail.map((l) => redactText(l)),
      };
    }
    const stored = await storeOutputs(this.ctx, root, stage);
    if ('error' in stored) {
      return {
        ...base,
        status: 'failed',
        error: stored.error,
        ...(stored.withTail ? { stderrTail: res.stderrTail.map((l) => redactText(l)) } : {}),
      };
    }
    const outs = stored.outs;
    const epoch = (await this.sourceDateEpoch()) ?? undefined;
    if (stage.outs.every((o) => o.cache)) await writeRunCache(this.ctx.stateDir, key, outs, this.host, epoch);
    this.setLockEntry(stage, comps, key, outs, epoch);
    return { ...base, status: 'executed', outs, components: comps };
  }

  /** `epoch`: the SOURCE_DATE_EPOCH the outputs were made with; a restore keeps the recorded one. */
  private setLockEntry(stage: Stage, comps: KeyComponents, key: string, outs: Record<string, LockOut>, epoch?: number): void {
    this.lock.stages[stage.name] = lockEntry(this.lock.stages[stage.name], comps, key, outs, epoch);
    this.lockDirty = true;
  }
}
