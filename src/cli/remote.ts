import type { Command } from 'commander';
import { findRepoRoot } from '../core/repo.js';
import { addRemote, CREDENTIALS, modifyRemote, readRemotesConfig, removeRemote, setDefaultRemote } from '../ops/remote/index.js';
import { common, resolveCommon, type CliEnv } from './common.js';
import { printJson } from './io.js';

/** `repro remote add|list|modify|remove|default`: cache remotes in .exprc / .exprc.local. */
export function registerRemote(program: Command, env: CliEnv): void {
  const remote = common(program.command('remote')).description('configure cache remotes (s3://bucket/prefix or a directory)');
  const root = async (cmd: Command): Promise<{ root: string; json: boolean }> => {
    const { cwd, json } = resolveCommon(cmd, env);
    return { root: await findRepoRoot(cwd), json };
  };
  const done = (json: boolean, value: object, text: string): void => {
    if (json) printJson(env.io, value);
    else env.io.out(text);
  };

  common(remote.command('add'))
    .description('add a remote (in .exprc, committed)')
    .argument('<name>')
    .argument('<url>', 's3://bucket/prefix, a directory path or file:///path')
    .option('-d, --default', 'make it the default remote')
    .option('-f, --force', 'replace a remote of that name')
    .action(async (name: string, url: string, o: { default?: boolean; force?: boolean }, cmd: Command) => {
      const { root: r, json } = await root(cmd);
      await addRemote(r, name, url, { makeDefault: o.default, force: o.force });
      done(
        json,
        { added: name, url, default: Boolean(o.default) },
        `added remote '${name}' (${url})${o.default ? ' as the default' : ''}\n`,
      );
    });

  common(remote.command('list'))
    .description('the configured remotes and their settings (credentials never shown)')
    .action(async (_o, cmd: Command) => {
      const { root: r, json } = await root(cmd);
      const cfg = await readRemotesConfig(r);
      const list = Object.entries(cfg.remotes).map(([name, spec]) => {
        const settings: Record<string, string | number> = {};
        for (const [k, v] of Object.entries(spec))
          if (v !== undefined && k !== 'url')
            settings[k] = (CREDENTIALS as readonly string[]).includes(k) ? '[set in .exprc.local]' : (v as string | number);
        return { name, url: spec.url, default: cfg.default === name, settings, local: cfg.local[name] ?? [] };
      });
      if (json) return printJson(env.io, { default: cfg.default, remotes: list });
      if (!list.length) env.io.out("no remotes configured; add one with 'repro remote add -d NAME URL'\n");
      for (const l of list) {
        const extra = Object.entries(l.settings)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        env.io.out(`${l.default ? '*' : ' '} ${l.name}\t${l.url}${extra ? `\t${extra}` : ''}\n`);
      }
    });

  common(remote.command('modify'))
    .description('set a remote setting: url, endpoint, region, profile, jobs; credentials only with --local')
    .argument('<name>')
    .argument('<key>')
    .argument('[value]')
    .option('--local', 'write to .exprc.local (git-ignored) instead of .exprc')
    .option('-u, --unset', 'remove the setting')
    .action(async (name: string, key: string, value: string | undefined, o: { local?: boolean; unset?: boolean }, cmd: Command) => {
      const { root: r, json } = await root(cmd);
      if (value === undefined && !o.unset) {
        const { ReproError } = await import('../core/errors.js');
        throw new ReproError('E_USAGE', `missing value for '${key}'`, { hint: `repro remote modify ${name} ${key} VALUE (or --unset)` });
      }
      await modifyRemote(r, name, key, value ?? '', { local: o.local, unset: o.unset });
      const file = o.local ? '.exprc.local' : '.exprc';
      done(
        json,
        { remote: name, key, file, unset: Boolean(o.unset) },
        `${o.unset ? 'unset' : 'set'} '${key}' of remote '${name}' in ${file}\n`,
      );
    });

  common(remote.command('remove'))
    .description('remove a remote (from .exprc and .exprc.local)')
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      const { root: r, json } = await root(cmd);
      await removeRemote(r, name);
      done(json, { removed: name }, `removed remote '${name}'\n`);
    });

  common(remote.command('default'))
    .description('make NAME the default remote')
    .argument('<name>')
    .option('--local', 'only on this machine (.exprc.local)')
    .action(async (name: string, o: { local?: boolean }, cmd: Command) => {
      const { root: r, json } = await root(cmd);
      await setDefaultRemote(r, name, { local: o.local });
      done(json, { default: name }, `default remote: '${name}'\n`);
    });
}
