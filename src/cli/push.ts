import type { Command } from 'commander';
import { push, pushRunsOnly, type RunsPushReport } from '../ops/remote/index.js';
import type { Io } from './io.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';
import { progressLine } from './progress.js';
import { transferFlags, transferOpts, type TransferCliOpts } from './transfer-flags.js';
import { count, plural } from '../core/plural.js';

export function registerPush(program: Command, env: CliEnv): void {
  transferFlags(common(program.command('push')))
    .option('--runs-only', 'push only the run records (refs/repro/runs/*) to the Git remote')
    .description(
      'upload the cache objects repro.lock names (and with --run-cache the run cache) to a remote, and the run records to the Git remote',
    )
    .action(async (stages: string[], o: TransferCliOpts, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      if (o.runsOnly) {
        const r = await pushRunsOnly({ cwd, gitRemote: o.gitRemote, signal: env.signal });
        if (json) printJson(env.io, r);
        else printRunsPush(env.io, r.runs);
        return;
      }
      const bar = progressLine(env.io, 'push');
      let res;
      try {
        res = await push({ cwd, ...transferOpts(stages, o), signal: env.signal, onProgress: bar.update });
      } finally {
        bar.done();
      }
      if (json) printJson(env.io, res);
      else {
        const ob = res.objects;
        env.io.out(
          `pushed ${count(ob.uploaded, 'object')}, ${(ob.bytes / 1e6).toFixed(1)} MB, to '${res.remote.name}'; ${ob.present} already there\n`,
        );
        if (res.runCache) {
          env.io.out(`run cache: ${res.runCache.uploaded} of ${count(res.runCache.entries, 'entry', 'entries')} uploaded\n`);
          for (const b of res.runCache.skipped)
            env.io.err(`warning: run-cache entry '${b.key}' in .repro/runcache.jsonl not pushed: ${b.problem}\n`);
        }
        if (ob.missingLocal.length)
          env.io.err(
            `warning: ${count(ob.missingLocal.length, 'object')} named by repro.lock ${plural(ob.missingLocal.length, 'is', 'are')} not in the local cache and ${plural(ob.missingLocal.length, 'was', 'were')} not pushed (first: '${ob.missingLocal[0]}')\n`,
          );
        if (ob.heldBack.length)
          env.io.err(
            `warning: ${count(ob.heldBack.length, 'directory', 'directories')} not pushed: a file ${plural(ob.heldBack.length, 'it names', 'they name')} is missing locally\n`,
          );
        if (res.runs) {
          printRunsPush(env.io, res.runs);
          if (res.runs.rejected.length && res.runs.pushed === 0)
            env.io.err(
              `hint: the objects were pushed; the run records were not: fix the Git remote '${res.runs.gitRemote}' and run 'repro push --runs-only', or skip them with --no-runs\n`,
            );
        }
      }
      if (res.interrupted) {
        if (!json) env.io.err('interrupted: run push again to finish (what was uploaded is kept)\n');
        env.exit(130);
      }
    });
}

export function printRunsPush(io: Io, r: RunsPushReport): void {
  if (r.skipped) {
    io.out(`run records: not pushed (${r.skipped})\n`);
    return;
  }
  io.out(`run records: ${r.pushed} pushed to Git remote '${r.gitRemote}', ${r.upToDate} already there\n`);
  for (const x of r.rejected.slice(0, 5)) io.err(`warning: run '${x.id}' not pushed: ${x.reason}\n`);
  if (r.rejected.length > 5) io.err(`warning: ${r.rejected.length - 5} more ${plural(r.rejected.length - 5, 'run')} not pushed\n`);
}
