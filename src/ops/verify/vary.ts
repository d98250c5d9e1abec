import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, type LockFile } from '../../lock/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { snapshotTree, type RepoInfo } from '../../record/index.js';
import type { VaryCheck, VaryOutcome, VaryStage } from '../../model/vary.js';
import type { RepoContext } from '../context.js';
import { rerunIsolated, type IsolatedResult } from '../isolated/engine.js';
import { classify, firstDiff } from './vary-classify.js';
import { parseVaryList, planVariations, VARIATIONS, type Variation } from './vary-plan.js';
import { prepareFor } from './vary-prepare.js';
import { rerunTargets } from './sample.js';
import type { RerunEvent } from './rerun.js';

/**
 * `verify --vary [STAGE...]`: re-run each selected stage in an isolated copy once with
 * everything as recorded (the reference) and once per variation (vary-plan.ts), and compare
 * every output. The reference is compared with repro.lock (differs: `unstable`); each variation
 * with the lock too, which for a stage that is not unstable is comparing with the reference.
 *
 * All selected stages run in one copy per variation, in pipeline order; before each one its deps
 * are put back to what the lock records (an upstream stage varied too), so each stage is judged
 * on its own inputs. Every copy is made at one path, so only the `path` variation changes where
 * a stage runs.
 *
 * `time` has no faketime: the run starts at least 1.1 s after the reference ended, so a clock read
 * at second resolution (`date`) has moved, while SOURCE_DATE_EPOCH stays as recorded (a stage
 * that honours it is the reproducible case). A stage that prints only the minute or the day is
 * caught only when the reference re-run already differs from the record there (docs/verify.md).
 * The reference itself starts in a later second than repro.lock was written (it waits when the
 * lock is younger than that): run then verify within one second, a `date` stage would otherwise
 * match its record in the reference and differ in the variations after it, which would be blamed.
 */
export async function checkVary(
  ctx: RepoContext,
  repo: RepoInfo,
  pipeline: Pipeline,
  lock: LockFile,
  opts: { args: string[]; env?: NodeJS.ProcessEnv; signal?: AbortSignal; onEvent?: (e: RerunEvent) => void },
): Promise<VaryCheck> {
  const started = Date.now();
  const env = opts.env ?? process.env;
  const { stages: wanted, variations } = splitVaryArgs(pipeline, opts.args);
  const { plan, skipped } = planVariations(parseVaryList(variations), env);
  let names = rerunTargets(pipeline, wanted);
  if (wanted.length === 0) names = names.filter((n) => lock.stages[n] && !pipeline.byName.get(n)!.frozen);
  const runnable = names.filter((n) => lock.stages[n]);
  const stages: VaryStage[] = names
    .filter((n) => !lock.stages[n])
    .map((n) => ({ ...base(pipeline, n), error: 'not in repro.lock: nothing to compare with (run it first)' }));
  if (runnable.length) {
    const tree = await snapshotTree({ repo, extraFiles: {} });
    const top = await realpath(await mkdtemp(join(tmpdir(), 'repro-vary-')));
    try {
      const runOnce = async (v: Variation | null): Promise<IsolatedResult> => {
        const keep = v?.otherPath ? join(top, 'another-place', 'copy-b') : join(top, 'copy');
        await rm(keep, { recursive: true, force: true });
        await mkdir(keep, { recursive: true });
        return rerunIsolated({
          ctx,
          tree,
          lock,
          stages: runnable,
          keep,
          env,
          signal: opts.signal,
          onEvent: opts.onEvent,
          prepare: prepareFor(v, env),
        });
      };
      await sleep(await msUntilSecondAfter(join(ctx.root, LOCK_FILE)));
      const reference = await runOnce(null);
      const refEnded = Date.now();
      const byVariation: { v: Variation; res: IsolatedResult }[] = [];
      for (const v of plan) {
        if (opts.signal?.aborted) break;
        if (v.name === 'time') await sleep(Math.max(0, 1100 - (Date.now() - refEnded)));
        byVariation.push({ v, res: await runOnce(v) });
      }
      for (const n of runnable) stages.push(classify(base(pipeline, n), reference, byVariation, lock.stages[n]!));
    } finally {
      await rm(top, { recursive: true, force: true });
    }
  }
  const order = new Map(pipeline.stages.map((s, i) => [s.name, i]));
  stages.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const bad = stages.some((s) => s.class === null);
  const warn = stages.some((s) => s.deterministic && (s.class === 'unstable' || s.class === 'environment-dependent'));
  return {
    status: bad ? 'fail' : warn ? 'warn' : 'pass',
    variations: plan.map((v) => v.name),
    skipped,
    saved: false,
    duration_ms: Date.now() - started,
    stages,
  };
}

/**
 * `--vary` takes stage names and variation lists (`--vary seed,tz train`): an argument that names
 * a stage is a stage; one made of variation names only is a selection; anything else is left to
 * the stage lookup, which names it as an unknown stage.
 */
export function splitVaryArgs(p: Pipeline, args: string[]): { stages: string[]; variations: string[] } {
  const stages: string[] = [];
  const variations: string[] = [];
  for (const a of args) {
    const parts = a
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (!p.byName.has(a) && parts.length && parts.every((x) => (VARIATIONS as readonly string[]).includes(x))) variations.push(...parts);
    else stages.push(a);
  }
  return { stages, variations };
}

function base(p: Pipeline, name: string): VaryStage {
  const s = p.byName.get(name);
  return {
    name,
    file: s?.pos.file ?? p.file,
    line: s?.pos.line ?? null,
    class: null,
    deterministic: s?.deterministic ?? true,
    error: null,
    reference: null,
    variations: [],
    differs_when: [],
    hint: null,
  };
}

/** How long until the wall clock is in a later second than `file`'s mtime (0 when it is; at most 1.1 s). */
export async function msUntilSecondAfter(file: string): Promise<number> {
  const mtimeMs = await stat(file).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const wait = (Math.floor(mtimeMs / 1000) + 1) * 1000 + 20 - Date.now();
  return Math.min(Math.max(0, wait), 1100);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { firstDiff };
export type { VaryOutcome };
