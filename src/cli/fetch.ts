import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import { checkoutError } from '../ops/checkout.js';
import { fetch, type FetchReport } from '../ops/remote/index.js';
import { fetchRunsOnly, pull, type RunsFetchReport } from '../ops/remote/index.js';
import type { Io } from './io.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';
import { renderCheckout } from '../report/run/index.js';
import { progressLine } from './progress.js';
import { transferFlags, transferOpts, type TransferCliOpts } from './transfer-flags.js';
import { count, plural } from '../core/plural.js';

/** `repro fetch` and `repro pull` (= fetch + checkout). */
export function registerFetch(program: Command, env: CliEnv): void {
  transferFlags(common(program.command('fetch')))
    .option('--runs-only', 'fetch only the run records (refs/repro/runs/*) from the Git remote')
    .description('download the cache objects repro.lock names from a remote into the local cache, and the run records from the Git remote')
    .action(async (stages: string[], o: TransferCliOpts, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      if (o.runsOnly) {
        const r = await fetchRunsOnly({ cwd, gitRemote: o.gitRemote, signal: env.signal });
        if (json) printJson(env.io, r);
        else printRunsFetch(env.io, r.runs);
        return;
      }
      const bar = progressLine(env.io, 'fetch');
      let res;
      try {
        res = await fetch({ cwd, ...transferOpts(stages, o), signal: env.signal, onProgress: bar.update });
      } finally {
        bar.done();
      }
      if (json) printJson(env.io, res);
      else summary(env, res);
      finish(env, res, json);
    });
}

export function registerPull(program: Command, env: CliEnv): void {
  transferFlags(common(program.command('pull')))
    .description('fetch from a remote, then put the outputs in the workspace (repro checkout)')
    .action(async (stages: string[], o: TransferCliOpts, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const bar = progressLine(env.io, 'pull');
      let res;
      try {
        res = await pull({
          cwd,
          ...transferOpts(stages, o),
          signal: env.signal,
          onProgress: bar.update,
          onStale: (pid) => env.io.err(`note: taking over a stale lock left by pid ${pid}\n`),
        });
      } finally {
        bar.done();
      }
      if (json) printJson(env.io, res);
      else {
        summary(env, res.fetch);
        if (res.checkout) env.io.out(renderCheckout(res.checkout));
      }
      finish(env, res.fetch, json);
      const err =
        res.checkout && !res.fetch.objects.corrupt.length && !res.fetch.objects.missing.length ? checkoutError(res.checkout) : undefined;
      if (err) {
        if (json) env.exit(1);
        else throw err;
      }
    });
}

function summary(env: CliEnv, res: FetchReport): void {
  const ob = res.objects;
  env.io.out(
    `fetched ${count(ob.downloaded, 'object')}, ${(ob.bytes / 1e6).toFixed(1)} MB, from '${res.remote.name}'; ${ob.present} already here\n`,
  );
  if (res.runCache)
    env.io.out(
      `run cache: ${res.runCache.added} new ${plural(res.runCache.added, 'entry', 'entries')} of ${res.runCache.entries}${res.runCache.rejected.length ? `, ${res.runCache.rejected.length} malformed ignored` : ''}\n`,
    );
  if (res.runs) printRunsFetch(env.io, res.runs);
}

function printRunsFetch(io: Io, r: RunsFetchReport): void {
  if (r.skipped) {
    io.out(`run records: not fetched (${r.skipped})\n`);
    return;
  }
  io.out(`run records: ${r.added} new from Git remote '${r.gitRemote}', ${r.unchanged} already here\n`);
  for (const c of r.conflicts)
    io.err(
      `warning: run '${c.id}' on '${r.gitRemote}' is another record than the local one; kept both: the incoming one as '${c.keptAs}'\n`,
    );
  if (r.rejected.length)
    io.err(
      `warning: ${count(r.rejected.length, 'remote ref')} ${plural(r.rejected.length, 'is not a run id and was', 'are not run ids and were')} left out (first: '${r.rejected[0]}')\n`,
    );
}

/** Exit 130 when interrupted; 1 when objects are corrupt on or missing from the remote. */
function finish(env: CliEnv, res: FetchReport, json: boolean): void {
  if (res.interrupted) {
    if (!json) env.io.err('interrupted: run it again to finish (what was downloaded is kept)\n');
    env.exit(130);
    return;
  }
  const { corrupt, missing } = res.objects;
  if (!corrupt.length && !missing.length) return;
  if (json) return env.exit(1);
  for (const c of corrupt) env.io.err(`corrupt: '${c.key}' on remote '${res.remote.name}' does not hash to its name; not stored\n`);
  if (corrupt.length) {
    throw new ReproError(
      'E_CACHE',
      `${count(corrupt.length, 'object')} on remote '${res.remote.name}' ${plural(corrupt.length, 'is', 'are')} corrupt: '${corrupt[0]!.key}'${corrupt.length > 1 ? ' and others' : ''}`,
      {
        hint: 'nothing corrupt entered the local cache or the workspace; push a good copy from a clone that has it (repro push), or delete the object on the remote',
      },
    );
  }
  throw new ReproError(
    'E_CACHE',
    `${count(missing.length, 'object')} ${plural(missing.length, 'is', 'are')} not on remote '${res.remote.name}': '${missing[0]}'${missing.length > 1 ? ' and others' : ''}`,
    {
      hint: "push them from a clone that has them ('repro push'), or run the stages again ('repro run')",
    },
  );
}
