import { ReproError } from '../core/errors.js';
import type { RunResult } from '../ops/run/index.js';
import { sweep, parseSeeds } from '../ops/run/index.js';
import { renderSweepSummary } from '../report/run/index.js';
import type { CliEnv } from './common.js';
import { printJson } from './io.js';
import type { RunView } from './live.js';

export interface SweepCliArgs {
  cwd: string;
  json: boolean;
  stages: string[];
  /** `repro run`'s parsed options */
  o: Record<string, unknown>;
  /** Where the runs' events go; done() before the summary (again by the caller: it is idempotent). */
  view: RunView;
  /** `repro run --json`'s shape for one run */
  runJson: (r: RunResult) => unknown;
}

/** `repro run --seeds LIST`: a seed sweep (ops/run/sweep.ts). Exit 0, 1 (a seed failed) or 130. */
export async function runSweepCommand(env: CliEnv, a: SweepCliArgs): Promise<void> {
  const { o } = a;
  if (o.seed !== undefined)
    throw new ReproError('E_USAGE', '--seeds and --seed cannot be combined', { hint: 'list every seed in --seeds' });
  if (o.dry) throw new ReproError('E_USAGE', '--seeds and --dry cannot be combined', { hint: "use 'repro status' to see what would run" });
  let res;
  try {
    res = await sweep({
      cwd: a.cwd,
      seeds: parseSeeds(String(o.seeds)),
      targets: a.stages,
      force: o.force as boolean | undefined,
      downstream: o.downstream as boolean | undefined,
      overrides: o.setParam as string[] | undefined,
      jobs: o.jobs as number | undefined,
      record: o.record === false ? false : undefined,
      message: o.message as string | undefined,
      signal: env.signal,
      onEvent: a.view.onEvent,
      live: a.view.live,
      argv: env.argv,
    });
  } finally {
    a.view.done();
  }
  if (a.json) {
    printJson(env.io, {
      sweep_id: res.id,
      seeds: res.seeds,
      ok: res.ok,
      interrupted: res.interrupted,
      runs: res.runs.map((r) => ({ seed: r.seed, ...(a.runJson(r.result) as object) })),
      restore: res.restore ? a.runJson(res.restore) : null,
      seed_metrics: res.seedMetrics,
    });
  } else {
    env.io.out(renderSweepSummary(res));
  }
  env.exit(res.interrupted ? 130 : res.ok ? 0 : 1);
}
