import type { Command } from 'commander';
import { installHooks } from '../ops/hooks.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerInstallHooks(program: Command, env: CliEnv): void {
  common(program.command('install-hooks'))
    .description('Git hooks: post-checkout runs repro checkout, pre-push runs repro push (each a no-op without repro)')
    .option('-f, --force', 'replace a hook repro did not write (the old one is kept as <hook>.pre-repro)')
    .action(async (o: { force?: boolean }, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await installHooks({ cwd, force: o.force });
      if (json) return printJson(env.io, res);
      for (const h of res.hooks) {
        env.io.out(`${h.name}: ${h.action} (${h.path})\n`);
        if (h.backup) env.io.err(`note: your previous ${h.name} hook was moved to '${h.backup}'; it no longer runs\n`);
      }
    });
}
