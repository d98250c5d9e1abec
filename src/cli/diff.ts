import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import { diff } from '../ops/diff/index.js';
import { renderDiff } from '../report/diff/index.js';
import { renderDiffMarkdown } from '../report/diff/index.js';
import { DEFAULT_PRECISION } from '../report/diff/index.js';
import { common, parseIntOpt, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerDiff(program: Command, env: CliEnv): void {
  common(program.command('diff'))
    .description('compare two revisions or runs: params, metrics with uncertainty, outputs, env, lock files, stage keys')
    .argument('[a]', 'base: a revision or a run id (default HEAD)')
    .argument('[b]', 'head: a revision or a run id (default the workspace)')
    .option('--md', 'Markdown, for a pull-request comment')
    .option('--all', 'show unchanged rows too')
    .option('--precision <n>', `digits after the decimal point (default ${DEFAULT_PRECISION})`, parseIntOpt('--precision', { max: 20 }))
    .option('--targets <names...>', 'only these files, directories or metrics (file:key, file:key:p95; put revisions before this option)')
    .action(async (a: string | undefined, b: string | undefined, o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      if (json && o.md) throw new ReproError('E_USAGE', '--json and --md cannot be combined', { hint: 'pick one output format' });
      const precision = o.precision ?? DEFAULT_PRECISION;
      if (precision > 15) throw new ReproError('E_USAGE', `--precision must be at most 15: '${precision}'`);
      const res = await diff({ cwd, a, b, all: o.all, targets: o.targets });
      if (json) printJson(env.io, res);
      else env.io.out(o.md ? renderDiffMarkdown(res, precision) : renderDiff(res, precision));
    });
}
