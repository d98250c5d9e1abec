import type { Command } from 'commander';
import { lineage } from '../ops/records/index.js';
import { renderLineage } from '../report/records/index.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerLineage(program: Command, env: CliEnv): void {
  common(program.command('lineage'))
    .description('which stage, run and inputs produced this output, back through history')
    .argument('<path>', 'an output in the workspace (or a file inside a directory output)')
    .action(async (path: string, _o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await lineage({ cwd, path });
      if (json) printJson(env.io, res);
      else env.io.out(renderLineage(res));
    });
}
