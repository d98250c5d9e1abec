import type { Command } from 'commander';
import { run, type RunResult } from '../ops/run/index.js';
import { renderRunSummary } from '../report/run/index.js';
import { collect, common, parseIntOpt, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';
import { runView } from './live.js';

export function registerRun(program: Command, env: CliEnv): void {
  common(program.command('run'))
    .description('run the stale stages of the pipeline, in dependency order')
    .argument('[stages...]', 'stages (or stage groups) to bring up to date, with their upstream')
    .option('-f, --force', 'run even when up to date')
    .option('--dry', 'show what would run and why; run nothing')
    .option('--downstream', 'run the named stages and everything downstream of them')
    .option('-S, --set-param <key=value>', 'override a param (written into params.yaml)', collect, [])
    .option('--seed <n>', 'seed for every stage (not those with seed: false)', parseIntOpt('--seed'))
    .option('--seeds <list>', "one recorded run per seed (1,2,3 or 1-5); the workspace keeps the first seed's outputs")
    .option('-j, --jobs <n>', 'stages to run in parallel', parseIntOpt('--jobs', { min: 1, max: 1024 }))
    .option('-m, --message <msg>', 'a message stored on the run record')
    .option('--no-record', 'do not write a run record in Git')
    .option('--pull', "before executing a stale stage, restore it from the remote's run cache when its key is there")
    .option('-r, --remote <name>', 'the remote for --pull (default: the default remote)')
    .option('-q, --quiet', 'no stage output and no progress; the summary and errors still print')
    .action(async (stages: string[], o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      // Under --json stdout holds only the document; notices (a stale lock taken over) still reach stderr.
      const view = runView(env, { quiet: json || Boolean(o.quiet), dry: o.dry });
      let res: RunResult;
      try {
        if (o.seeds !== undefined) {
          const { runSweepCommand } = await import('./sweep.js'); // loaded only for sweeps
          return await runSweepCommand(env, { cwd, json, stages, o, view, runJson });
        }
        res = await run({
          cwd,
          targets: stages,
          force: o.force,
          dry: o.dry,
          downstream: o.downstream,
          overrides: o.setParam,
          seed: o.seed,
          jobs: o.jobs,
          record: o.record === false ? false : undefined,
          message: o.message,
          pull: o.pull ? (o.remote ?? true) : undefined,
          signal: env.signal,
          onEvent: view.onEvent,
          live: view.live,
          argv: env.argv,
        });
      } finally {
        view.done(); // before the summary; a sweep has done it already
      }
      if (json) printJson(env.io, runJson(res));
      else env.io.out(renderRunSummary(res));
      env.exit(res.interrupted ? 130 : res.ok ? 0 : 1);
    });
}

/** The documented `repro run --json` shape (docs/json.md). */
export function runJson(res: RunResult): unknown {
  return {
    ok: res.ok,
    interrupted: res.interrupted,
    run_id: res.runId ?? null,
    record_commit: res.recordCommit ?? null,
    record_error: res.recordError ?? null,
    record_warnings: res.recordWarnings ?? [],
    started_at: res.startedAt,
    ended_at: res.endedAt,
    stages: res.stages.map((s) => ({
      name: s.name,
      status: s.status,
      reasons: s.reasons,
      key: s.key ?? null,
      seed: s.seed,
      exit_code: s.exitCode ?? null,
      duration_ms: s.durationMs ?? null,
      outs: s.outs ?? {},
      error: s.error ?? null,
      stderr_tail: s.stderrTail ?? [],
      restored_from: s.status === 'restored' ? (s.fromRemote ? `remote ${s.fromRemote}` : 'run-cache') : null,
    })),
  };
}
