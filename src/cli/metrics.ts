import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import { metricsShow } from '../ops/metrics/index.js';
import { renderMetricsMarkdown, renderMetricsShow } from '../report/metrics/index.js';
import { common, parseIntOpt, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerMetrics(program: Command, env: CliEnv): void {
  const metrics = program.command('metrics').description('the metrics files of the workspace or of revisions');
  common(metrics.command('show'))
    .description('every metric of every metrics file, nested keys flattened; over several seeds: mean ± sem, 95% CI (n)')
    .argument('[revs...]', 'revisions or runs to show (default: the workspace)')
    .option('--md', 'a Markdown table')
    .option('--precision <n>', 'digits after the decimal point (default 4)', parseIntOpt('--precision', { max: 15 }))
    .action(async (revs: string[], o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      if (json && o.md) throw new ReproError('E_USAGE', '--json and --md cannot be combined', { hint: 'pick one output format' });
      const res = await metricsShow({ cwd, revs });
      if (json) return printJson(env.io, res);
      env.io.out(o.md ? renderMetricsMarkdown(res, o.precision) : renderMetricsShow(res, o.precision));
      for (const s of res.sides) for (const p of s.problems) env.io.err(`warning: ${s.label}: ${p.key}: ${p.message}\n`);
    });
}
