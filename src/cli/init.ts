import type { Command } from 'commander';
import { init } from '../ops/init.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerInit(program: Command, env: CliEnv): void {
  common(program.command('init'))
    .description('write a starter repro.yaml, params.yaml and .exprc')
    .option('-t, --template <name>', 'template under templates/', 'default')
    .option('-f, --force', 'overwrite existing files')
    .action(async (o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await init({ cwd, template: o.template, force: o.force });
      if (json) printJson(env.io, res);
      else {
        for (const f of res.written) env.io.out(`wrote   ${f}\n`);
        for (const f of res.skipped) env.io.out(`kept    ${f} (exists; --force overwrites)\n`);
        env.io.out(`next: repro run\n`);
      }
    });
}
