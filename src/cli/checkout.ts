import type { Command } from 'commander';
import { checkout, checkoutError } from '../ops/checkout.js';
import { renderCheckout } from '../report/run/index.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerCheckout(program: Command, env: CliEnv): void {
  common(program.command('checkout'))
    .description('put outputs in the workspace to match repro.lock, from the cache')
    .argument('[stages...]', 'only these stages')
    .option('-f, --force', 'overwrite outputs edited in the workspace even when their content is not in the cache')
    .action(async (stages: string[], o: { force?: boolean }, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await checkout({
        cwd,
        targets: stages,
        force: o.force === true,
        signal: env.signal,
        onStale: (pid) => env.io.err(`note: taking over a stale lock left by pid ${pid}\n`),
        onNotice: (text) => env.io.err(`note: ${text}\n`),
      });
      if (json) printJson(env.io, res);
      else env.io.out(renderCheckout(res));
      if (res.interrupted) {
        if (!json) env.io.err('interrupted: outputs not yet handled were left as they were\n');
        env.exit(130);
        return;
      }
      const err = checkoutError(res);
      if (err) {
        if (json) env.exit(1);
        else throw err;
      }
    });
}
