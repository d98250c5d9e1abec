import type { Command } from 'commander';
import { log } from '../ops/records/index.js';
import { renderLog, stripControl } from '../report/records/index.js';
import { common, parseIntOpt, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerLog(program: Command, env: CliEnv): void {
  common(program.command('log'))
    .description("list recorded runs along the current branch's history, newest first")
    .option('--all', 'every recorded run, on any branch')
    .option('-n, --limit <n>', 'at most N runs', parseIntOpt('--limit'))
    .action(async (o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await log({ cwd, all: o.all, limit: o.limit });
      if (json) printJson(env.io, res);
      else env.io.out(renderLog(res));
      for (const r of res.runs) if (r.error && !json) env.io.err(`warning: ${stripControl(r.error.message)}\n`);
    });
}
