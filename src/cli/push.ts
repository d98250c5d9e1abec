import type { Command } from 'commander';
import { push } from '../ops/remote/index.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';
import { progressLine } from './progress.js';
import { transferFlags, transferOpts, type TransferCliOpts } from './transfer-flags.js';

export function registerPush(program: Command, env: CliEnv): void {
  transferFlags(common(program.command('push')))
    .description('upload the cache objects repro.lock names (and with --run-cache the run cache) to a remote')
    .action(async (stages: string[], o: TransferCliOpts, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
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
          `pushed ${ob.uploaded} object(s), ${(ob.bytes / 1e6).toFixed(1)} MB, to '${res.remote.name}'; ${ob.present} already there\n`,
        );
        if (res.runCache) env.io.out(`run cache: ${res.runCache.uploaded} of ${res.runCache.entries} entries uploaded\n`);
        if (ob.missingLocal.length)
          env.io.err(
            `warning: ${ob.missingLocal.length} object(s) named by repro.lock are not in the local cache and were not pushed (first: '${ob.missingLocal[0]}')\n`,
          );
        if (ob.heldBack.length)
          env.io.err(`warning: ${ob.heldBack.length} director(ies) not pushed: a file they name is missing locally\n`);
      }
      if (res.interrupted) {
        if (!json) env.io.err('interrupted: run push again to finish (what was uploaded is kept)\n');
        env.exit(130);
      }
    });
}
