import { mkdirSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { statIfExists } from '../../core/fs.js';
import { absPath } from '../../core/paths.js';
import { runStage, type StageRunResult } from '../../exec/index.js';
import type { Stage } from '../../pipeline/index.js';
import type { RunOptions } from '../../model/run.js';
import type { Reason } from './reasons.js';
import { EPOCH_VAR } from './epoch.js';
import { HeldOutputs, type Held } from './held.js';

/** What running one stage's command needs from the run (the scheduler's state, read-only but `madeDirs`). */
export interface CommandContext {
  root: string;
  stateDir: string;
  held: HeldOutputs;
  /** Output parent directories made in this run: one mkdir each. */
  madeDirs: Set<string>;
  /** The same object for every command: repro-spawner then sends only each stage's extras. */
  baseEnv: Record<string, string>;
  /** Commands wait in repro-spawner's queue (more stages in flight than `jobs`). */
  queued: boolean;
  jobs: number;
  opts: Pick<RunOptions, 'live' | 'onEvent' | 'signal'>;
  epoch: () => Promise<number | null>;
}

/**
 * Run the stage's command with its outputs cleared. Cleared means removed when the command is
 * about to start; a stage waiting in repro-spawner's queue has its outputs moved into
 * `.repro/held/` instead (a rename), deleted when its command starts and put back when it
 * never does (Ctrl-C while it waits), so an interrupted run leaves those outputs as they were.
 */
export async function runCommand(c: CommandContext, stage: Stage, reasons: Reason[]): Promise<StageRunResult> {
  const root = c.root;
  const held: Held[] = [];
  for (const o of stage.outs) {
    const abs = absPath(root, o.path);
    // Usually absent (first run) or one small file: decide without the thread pool.
    const st = statIfExists(abs, { follow: false });
    if (st && !(c.queued && c.held.hold(abs, st.isDirectory(), held))) {
      if (st.isDirectory()) await rm(abs, { recursive: true, force: true });
      else unlinkSync(abs);
    }
    // A courtesy: the command finds its outputs' parent directories in place. Once per run.
    const parent = dirname(abs);
    if (!o.path.includes('/') || c.madeDirs.has(parent)) continue;
    mkdirSync(parent, { recursive: true });
    c.madeDirs.add(parent);
  }
  const envExtra: Record<string, string> = { REPRO_STAGE: stage.name };
  if (c.opts.live && c.baseEnv.PYTHONUNBUFFERED === undefined) envExtra.PYTHONUNBUFFERED = '1';
  const epoch = await c.epoch();
  if (epoch !== null) envExtra[EPOCH_VAR] = String(epoch);
  if (stage.seed !== null) {
    envExtra.REPRO_SEED = String(stage.seed);
    envExtra.PYTHONHASHSEED = String(stage.seed);
  }
  const dropping: Array<Promise<void>> = [];
  const res = await runStage({
    cmds: stage.cmd,
    cwd: absPath(root, stage.wdir),
    env: c.baseEnv, // the same object every time: the helper then sends only envExtra
    envExtra,
    logPath: join(c.stateDir, 'logs', `${stage.name}.log`),
    prefix: stage.name,
    sink: (line, stream, partial) =>
      c.opts.onEvent?.({ type: 'stage-output', stage: stage.name, line, stream, ...(partial ? { partial: true as const } : {}) }),
    partial: c.opts.live,
    signal: c.opts.signal,
    concurrency: c.queued ? c.jobs : undefined,
    // 'running' is said when the command really starts, not when it joins the queue.
    onStart: () => {
      HeldOutputs.drop(held, dropping);
      c.opts.onEvent?.({ type: 'stage-start', stage: stage.name, reasons, restore: false });
    },
  });
  await Promise.all(dropping);
  if (!res.started) HeldOutputs.putBack(held);
  return res;
}
