import type { Command } from 'commander';
import { expShow } from '../ops/exp/index.js';
import { renderExpCsv, renderExpMarkdown, renderExpShow } from '../report/exp/index.js';
import { collect, common, parseIntOpt, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerExp(program: Command, env: CliEnv): void {
  const exp = program.command('exp').description('experiments: the recorded runs as a table of params and metrics');
  common(exp.command('show'))
    .description("the recorded runs along the branch's history as a table: one row per run or sweep, the params that differ, every metric")
    .option('--all', 'every recorded run, on any branch')
    .option('-n, --limit <n>', 'at most N rows', parseIntOpt('--limit', { min: 1 }))
    .option('--seeds', 'one row per run of a sweep (default: one row per sweep, mean ± sem)')
    .option('--sort-by <metric>', 'order rows by this metric (file:key, or a key that names one metric), highest first')
    .option('--asc', 'with --sort-by: lowest first')
    .option('--only-changed', 'leave out params and metrics equal on every shown row (the default)')
    .option('--no-only-changed', 'show constant params and metrics too')
    .option('--params <glob>', 'only params matching GLOB (repeatable; * matches anything)', collect, [])
    .option('--metrics <glob>', 'only metrics matching GLOB (repeatable; e.g. "m.json:*", "*acc")', collect, [])
    .option('--precision <n>', 'digits after the decimal point (default 4)', parseIntOpt('--precision', { max: 15 }))
    .option('--md', 'a Markdown table')
    .option('--csv', 'CSV, one column per param and metric (sweeps add :sem and :n columns)')
    .action(async (o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await expShow({
        cwd,
        all: o.all,
        limit: o.limit,
        seeds: o.seeds,
        sortBy: o.sortBy,
        asc: o.asc,
        onlyChanged: o.onlyChanged,
        params: o.params,
        metrics: o.metrics,
      });
      if (json) printJson(env.io, res);
      else if (o.csv) env.io.out(renderExpCsv(res));
      else if (o.md) env.io.out(renderExpMarkdown(res, { precision: o.precision }));
      else env.io.out(renderExpShow(res, { precision: o.precision, width: env.io.columns }));
    });
}
