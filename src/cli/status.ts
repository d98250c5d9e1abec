import type { Command } from 'commander';
import { status } from '../ops/run/index.js';
import { describeReason } from '../report/run/index.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerStatus(program: Command, env: CliEnv): void {
  common(program.command('status'))
    .description('list each stale stage and why')
    .argument('[stages...]', 'limit to these stages and their upstream')
    .action(async (stages: string[], _o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await status({ cwd, targets: stages });
      if (json) {
        printJson(env.io, { clean: res.clean, stale: res.stale, up_to_date: res.upToDate, frozen: res.frozen, observed: res.observed });
        return;
      }
      for (const [n, o] of Object.entries(res.observed)) {
        env.io.out(`${n}: observed ${o.class} (verify --vary: ${o.varied.join(', ')}${o.at ? ` at ${o.at.slice(0, 7)}` : ''})\n`);
      }
      if (res.clean) {
        env.io.out('everything is up to date\n');
        return;
      }
      for (const s of res.stale) {
        env.io.out(`${s.name}:\n`);
        for (const r of s.reasons) env.io.out(`    ${describeReason(r)}\n`);
      }
    });
}
