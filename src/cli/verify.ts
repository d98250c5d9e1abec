import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic.js';
import { verify } from '../ops/verify/index.js';
import { parseSeeds } from '../ops/run/index.js';
import type { RerunEvent } from '../ops/verify/index.js';
import { renderVerifySummary } from '../report/verify/index.js';
import { renderVerifyAnnotations } from '../report/verify/index.js';
import { renderVerifyJunit } from '../report/verify/index.js';
import { renderVerifyMarkdown } from '../report/verify/index.js';
import { common, parseIntOpt, reportFile, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerVerify(program: Command, env: CliEnv): void {
  common(program.command('verify'))
    .description('the pull-request check: is repro.lock fresh, do outputs reproduce, did a metric regress')
    .option('--rerun [stages...]', 're-run stages (default: all) in an isolated copy and compare outputs with repro.lock')
    .option('--sample <k>', 're-run K stages picked at random (seeded; the seed is printed)', parseIntOpt('--sample'))
    .option('--sample-seed <n>', 'seed for --sample, to repeat a pick', parseIntOpt('--sample-seed'))
    .option(
      '--seeds <list>',
      'with --rerun: re-run deterministic: false stages with these seeds (1-5 or 1,2,3) and judge metrics against their envelope',
    )
    .option('--vary [args...]', 're-run stages (default: all) under variations and classify them; a list like seed,tz picks the variations')
    .option('--save', "with --vary: write each stage's observed class into repro.lock")
    .option('--base <ref>', 'judge metrics against this revision by the checks: in repro.yaml')
    .option('--md <file>', 'write the report as a pull-request comment (Markdown)')
    .option('--junit <file>', 'write the report as JUnit XML')
    .option('--warn-only', 'report failures but exit 0')
    .action(async (o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const md = o.md === undefined ? undefined : reportFile(cwd, '--md', o.md);
      const junit = o.junit === undefined ? undefined : reportFile(cwd, '--junit', o.junit);
      const res = await verify({
        cwd,
        rerun: o.rerun === undefined ? undefined : o.rerun === true ? true : (o.rerun as string[]),
        sample: o.sample,
        sampleSeed: o.sampleSeed,
        base: o.base,
        vary: o.vary === undefined ? undefined : o.vary === true ? [] : (o.vary as string[]),
        save: Boolean(o.save),
        seeds: o.seeds === undefined ? undefined : parseSeeds(o.seeds as string),
        signal: env.signal,
        onEvent: (e) => printEvent(env, e, json),
      });
      const warnOnly = Boolean(o.warnOnly);
      if (md) await writeFileAtomic(md, renderVerifyMarkdown(res, { warnOnly }));
      if (junit) await writeFileAtomic(junit, renderVerifyJunit(res));
      // Workflow commands are read from stdout; with --json stdout holds only the document.
      if (process.env.GITHUB_ACTIONS === 'true') {
        const ann = renderVerifyAnnotations(res);
        if (json) env.io.err(ann);
        else env.io.out(ann);
      }
      if (json) printJson(env.io, res);
      else env.io.out(renderVerifySummary(res, { warnOnly }));
      env.exit(env.signal.aborted ? 130 : res.ok || warnOnly ? 0 : 1);
    });
}

/** Progress on stderr: which stages are picked and re-run. Stage output only on a TTY. */
function printEvent(env: CliEnv, e: RerunEvent, json: boolean): void {
  switch (e.type) {
    case 'sample':
      env.io.err(
        `sampled ${e.stages.length} of the stages with seed ${e.seed} (repeat with --sample ${e.k} --sample-seed ${e.seed}): ${e.stages.join(', ') || '(none)'}\n`,
      );
      break;
    case 'stage-start':
      if (!json) env.io.err(`${e.action === 'restore' ? 'restoring' : 're-running'} '${e.stage}' in an isolated copy\n`);
      break;
    case 'stage-output':
      if (env.io.isTTY) env.io.err(`${e.line}\n`);
      break;
    default:
      break;
  }
}
