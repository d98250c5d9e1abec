import type { Command } from 'commander';
import type { IsolatedEvent } from '../ops/isolated/index.js';
import { replay } from '../ops/records/index.js';
import { renderReplay } from '../report/records/index.js';
import { collect, common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

export function registerReplay(program: Command, env: CliEnv): void {
  common(program.command('replay'))
    .description('re-execute a recorded run from its own snapshot, in a temporary directory, and report what reproduced')
    .argument('<run>', 'a run id or a unique prefix of one')
    .option('-s, --stage <stage>', 're-execute only this stage (repeatable); upstream outputs come from the cache', collect, [])
    .option('--keep <dir>', 'replay in DIR (missing or empty) and keep it')
    .action(async (runArg: string, o, cmd: Command) => {
      const { cwd, json } = resolveCommon(cmd, env);
      const res = await replay({
        cwd,
        run: runArg,
        stages: o.stage,
        keep: o.keep,
        signal: env.signal,
        onEvent: json ? undefined : (e) => printEvent(env, e),
      });
      if (res.env_diff.length) {
        env.io.err(`warning: the environment differs from the recorded one: ${res.env_diff.map((d) => d.field).join(', ')}\n`);
      }
      if (json) printJson(env.io, res);
      else env.io.out(renderReplay(res));
      env.exit(res.interrupted ? 130 : res.ok ? 0 : 1);
    });
}

function printEvent(env: CliEnv, e: IsolatedEvent): void {
  if (e.type === 'materialized') env.io.err(`replaying in ${e.dir}\n`);
  else if (e.type === 'stage-start') env.io.err(`${e.action === 'restore' ? 'restoring' : 'running'} '${e.stage}'\n`);
  else if (e.type === 'stage-output') env.io.err(`${e.line}\n`);
}
