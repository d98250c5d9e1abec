import { Option, type Command } from 'commander';
import { dag, type DagFormat } from '../ops/dag.js';
import { common, resolveCommon, type CliEnv } from './common.js';

export function registerDag(program: Command, env: CliEnv): void {
  common(program.command('dag'))
    .description('print the stage graph, or the part of it around the targets (and their upstream)')
    .argument('[targets...]', 'stage names, groups or output paths')
    .option('--downstream', 'show the targets and what depends on them instead of what they depend on')
    .addOption(new Option('--format <format>', 'output format').choices(['ascii', 'mermaid', 'dot', 'json']).default('ascii'))
    .action(async (targets: string[], o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const text = await dag({ cwd, format: (json ? 'json' : o.format) as DagFormat, targets, downstream: o.downstream });
      env.io.out(text.endsWith('\n') ? text : text + '\n');
    });
}
