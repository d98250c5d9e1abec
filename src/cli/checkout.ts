import type { Command } from 'commander';
import { checkout, checkoutError } from '../ops/checkout.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerCheckout(program: Command, env: CliEnv): void {
  common(program.command('checkout'))
    .description('put outputs in the workspace to match repro.lock, from the cache')
    .argument('[stages...]', 'only these stages')
    .action(async (stages: string[], _o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await checkout({
        cwd,
        targets: stages,
        signal: env.signal,
        onStale: (pid) => env.io.err(`note: taking over a stale lock left by pid ${pid}\n`),
        onNotice: (text) => env.io.err(`note: ${text}\n`),
      });
      if (json) printJson(env.io, res);
      else {
        for (const p of res.restored) env.io.out(`restored  ${p}\n`);
        for (const m of res.missing) env.io.out(`missing   ${m.path} (stage ${m.stage})\n`);
        env.io.out(`${res.restored.length} restored, ${res.unchanged.length} unchanged, ${res.missing.length} missing\n`);
      }
      if (res.interrupted) {
        if (!json) env.io.err('interrupted: outputs not yet handled were left as they were\n');
        env.exit(130);
        return;
      }
      if (res.missing.length) {
        if (json) env.exit(1);
        else throw checkoutError(res.missing);
      }
    });
}
