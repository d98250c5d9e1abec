import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import { report } from '../ops/report/index.js';
import { renderReportHtml } from '../report/html/index.js';
import { readVegaLibs } from '../report/html/index.js';
import { VERSION } from '../version.js';
import { common, parseIntOpt, resolveCommon, type CliEnv } from './common.js';
import { htmlTarget, writeHtml } from './html-out.js';
import { printJson } from './io.js';

export function registerReport(program: Command, env: CliEnv): void {
  common(program.command('report'))
    .description('one self-contained HTML page: verdict, metrics across history, comparison, plots, the DAG, environment')
    .argument('[rev]', 'the revision or run id to report on (default the workspace)')
    .option('--base <rev>', 'compare with this revision (default the merge base with the default branch)')
    .option('--verify <file>', 'show this saved `repro verify --json` result instead of verifying the checkout')
    .option('--history <n>', 'commits of history (default 20)', parseIntOpt('--history', { min: 1, max: 1000 }))
    .option('-o, --out <file>', 'write the HTML here (default .repro/plots/report.html)')
    .option('--open', 'open the file in a browser')
    .action(async (rev: string | undefined, o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      if (rev !== undefined && o.base !== undefined && rev === o.base)
        throw new ReproError('E_USAGE', `the report and its base are the same revision: '${rev}'`);
      const file = json && o.out === undefined ? null : await htmlTarget(cwd, o.out, 'report.html');
      const data = await report({ cwd, head: rev, base: o.base, verifyFile: o.verify, historyLimit: o.history });
      let shown: string | null = null;
      if (file) shown = await writeHtml(env, cwd, file, renderReportHtml(data, await readVegaLibs(), `repro ${VERSION}`), Boolean(o.open));
      if (json) {
        printJson(env.io, { file, ...data });
        return;
      }
      for (const n of data.notes) env.io.err(`note: ${n}\n`);
      env.io.out(`report of ${data.head.label}${data.base ? ` against ${data.base.label}` : ''}: ${shown}\n`);
    });
}
