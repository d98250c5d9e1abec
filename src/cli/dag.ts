import { Option, type Command } from 'commander';
import { dag, type DagFormat } from '../ops/dag.js';
import { common, resolveCommon, type CliEnv } from './common.js';

export function registerDag(program: Command, env: CliEnv): void {
  common(program.command('dag'))
    .description('print the stage graph')
    .addOption(new Option('--format <format>', 'output format').choices(['ascii', 'mermaid', 'dot', 'json']).default('ascii'))
    .action(async (o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const text = await dag({ cwd, format: (json ? 'json' : o.format) as DagFormat });
      env.io.out(text.endsWith('\n') ? text : text + '\n');
    });
}
