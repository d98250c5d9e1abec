import type { Command } from 'commander';
import { show } from '../ops/records/index.js';
import { renderShow } from '../report/records/index.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerShow(program: Command, env: CliEnv): void {
  common(program.command('show'))
    .description('show one run record in full, and how this machine differs from where it ran')
    .argument('<run>', 'a run id or a unique prefix of one')
    .action(async (runArg: string, _o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await show({ cwd, run: runArg });
      if (json) printJson(env.io, res);
      else env.io.out(renderShow(res));
    });
}
