import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import { gc, type GcOptions, type GcReport } from '../ops/gc.js';
import { common, parseIntOpt, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';
import { plural } from '../core/plural.js';

interface GcCliOpts {
  dry?: boolean;
  workspace?: boolean;
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  runs?: boolean;
  cloud?: boolean;
  remote?: string;
  jobs?: number;
  force?: boolean;
}

const SHOWN = 20;

export function registerGc(program: Command, env: CliEnv): void {
  common(program.command('gc'))
    .description('remove cache objects that no kept revision needs (the workspace is always kept)')
    .option('--dry', 'only list what would be removed')
    .option('-w, --workspace', "keep what the workspace's repro.lock names (always on)")
    .option('-a, --all-branches', 'also keep what every branch tip names')
    .option('-T, --all-tags', 'also keep what every tag names')
    .option('-A, --all-commits', 'also keep what every commit names')
    .option('--runs', 'also keep what run records and the run cache name')
    .option('--cloud', 'also remove unreferenced objects from the remote')
    .option('-r, --remote <name>', 'the remote for --cloud (default: remote.default)')
    .option('-j, --jobs <n>', 'requests in flight for --cloud', parseIntOpt('--jobs', { min: 1, max: 256 }))
    .option('-f, --force', 'remove without asking')
    .action(async (o: GcCliOpts, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const base: GcOptions = {
        cwd,
        branches: o.allBranches,
        tags: o.allTags,
        allCommits: o.allCommits,
        runs: o.runs,
        cloud: o.cloud,
        remote: o.remote,
        jobs: o.jobs,
        signal: env.signal,
      };
      if (o.dry || !o.force) {
        const plan = await gc({ ...base, dry: true });
        if (o.dry || (plan.local.removed.length === 0 && !plan.cloud?.removed.length)) return print(env, plan, json);
        print(env, plan, json, true);
        if (!(await confirm(env))) {
          throw new ReproError(
            'E_USAGE',
            `refusing to remove ${count(plan)} ${plural(count(plan), 'object')} (${mb(plan.local.bytes + (plan.cloud?.bytes ?? 0))}) without -f`,
            {
              hint: 'add -f to remove them, or --dry to only list them',
            },
          );
        }
      }
      print(env, await gc(base), json);
    });
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
const count = (r: GcReport): number => r.local.removed.length + (r.cloud?.removed.length ?? 0);

function print(env: CliEnv, r: GcReport, json: boolean, plan = false): void {
  if (json) {
    if (!plan) printJson(env.io, r);
    return;
  }
  const verb = r.dry || plan ? 'would remove' : 'removed';
  const side = (where: string, s: { removed: string[]; bytes: number }): void => {
    for (const h of s.removed.slice(0, SHOWN)) env.io.out(`${where}  ${h}\n`);
    if (s.removed.length > SHOWN) env.io.out(`${where}  … and ${s.removed.length - SHOWN} more\n`);
    env.io.out(`${where}: ${verb} ${s.removed.length} ${plural(s.removed.length, 'object')}, ${mb(s.bytes)}\n`);
  };
  side('local', r.local);
  if (r.cloud) side(`remote '${r.cloud.remote.name}'`, r.cloud);
}

/** Ask on a TTY; without one (CI, a script), the answer is no. */
async function confirm(env: CliEnv): Promise<boolean> {
  if (!env.io.isTTY || !process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('remove them? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}
