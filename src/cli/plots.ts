import type { Command } from 'commander';
import { plots, type PlotsResult } from '../ops/plots/index.js';
import { renderPlotsHtml } from '../report/html/index.js';
import { plotSpec } from '../report/html/index.js';
import { readVegaLibs } from '../report/html/index.js';
import { VERSION } from '../version.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { htmlTarget, writeHtml } from './html-out.js';
import { printJson } from './io.js';
import { count } from '../core/plural.js';

export function registerPlots(program: Command, env: CliEnv): void {
  const group = program.command('plots').description('draw the plots: files as Vega-Lite charts in one self-contained HTML file');
  common(group.command('show'))
    .description('the plots of the workspace')
    .argument('[targets...]', 'only these plots files or directories (any CSV/TSV/JSON/YAML file may be named)')
    .option('-o, --out <file>', 'write the HTML here (default .repro/plots/show.html)')
    .option('--open', 'open the file in a browser')
    .action(async (targets: string[], o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      await draw(env, cwd, json, o, await plots({ cwd, revs: [null], targets }), 'show.html');
    });
  common(group.command('diff'))
    .description('the plots of several revisions in one chart each (default HEAD against the workspace)')
    .argument('[revs...]', 'revisions or run ids, oldest first; one: it against the workspace')
    .option('--targets <paths...>', 'only these plots files or directories (put revisions before this option)')
    .option('-o, --out <file>', 'write the HTML here (default .repro/plots/diff.html)')
    .option('--open', 'open the file in a browser')
    .action(async (revs: string[], o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const sides: (string | null)[] = revs.length === 0 ? ['HEAD', null] : revs.length === 1 ? [revs[0]!, null] : revs;
      await draw(env, cwd, json, o, await plots({ cwd, revs: sides, targets: o.targets }), 'diff.html');
    });
}

/**
 * Human: writes the HTML and says where. `--json`: the specs with their data on stdout (the
 * document of docs/json.md); the HTML is written only when `-o` is given.
 */
async function draw(
  env: CliEnv,
  cwd: string,
  json: boolean,
  o: { out?: string; open?: boolean },
  res: PlotsResult,
  name: string,
): Promise<void> {
  const file = json && o.out === undefined ? null : await htmlTarget(cwd, o.out, name);
  let shown: string | null = null;
  if (file) shown = await writeHtml(env, cwd, file, renderPlotsHtml(res, await readVegaLibs(), `repro ${VERSION}`), Boolean(o.open));
  if (json) {
    printJson(env.io, {
      file: file,
      revisions: res.revisions,
      plots: res.plots.map((p) => ({ path: p.path, stage: p.stage, template: p.options.template ?? 'linear', spec: plotSpec(p) })),
      notes: res.notes,
    });
    return;
  }
  for (const n of res.notes) env.io.err(`note: ${n}\n`);
  env.io.out(`${count(res.plots.length, 'plot')} of ${res.revisions.map((r) => r.label).join(', ')}: ${shown}\n`);
}
