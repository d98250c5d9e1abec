import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import type { Io } from './io.js';

/** What a command handler gets besides its options. */
export interface CliEnv {
  io: Io;
  /** The directory commands run in (before -C). */
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The exit code main() returns when the handler ends without throwing. */
  exit(code: number): void;
  argv: string[];
}

export interface CommonOpts {
  json?: boolean;
  C?: string;
}

/** Adds the options every command takes: --json and -C DIR. */
export function common(cmd: Command): Command {
  return cmd.option('--json', 'machine-readable output on stdout').option('-C <dir>', 'run as if started in DIR');
}

/** The effective working directory and --json, merging the program-level and command-level flags. */
export function resolveCommon(cmd: Command, env: CliEnv): { cwd: string; json: boolean } {
  const o = cmd.optsWithGlobals<CommonOpts>();
  if (o.C && !statSync(resolve(env.cwd, o.C), { throwIfNoEntry: false })?.isDirectory()) {
    throw new ReproError('E_USAGE', `-C: no such directory: '${o.C}'`, { hint: 'give -C the directory to run in' });
  }
  return { cwd: o.C ? resolve(env.cwd, o.C) : env.cwd, json: Boolean(o.json) };
}

/** Commander option parser for an integer in [min, max] (default: any non-negative safe integer). */
export function parseIntOpt(name: string, range: { min?: number; max?: number } = {}) {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max || v.trim() === '') {
      const want =
        range.max !== undefined ? `an integer from ${min} to ${max}` : min === 1 ? 'a positive integer' : 'a non-negative integer';
      throw new ReproError('E_USAGE', `${name} must be ${want}: '${v}'`);
    }
    return n;
  };
}

/**
 * The absolute path of a report file a flag names (`--md FILE`), checked before the command does
 * its work: not a directory, and in a directory that exists.
 */
export function reportFile(cwd: string, flag: string, file: string): string {
  const abs = resolve(cwd, file);
  if (statSync(abs, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ReproError('E_USAGE', `${flag} names a directory: '${file}'`, { hint: `give ${flag} a file name, e.g. ${flag} report.out` });
  }
  if (!statSync(dirname(abs), { throwIfNoEntry: false })?.isDirectory()) {
    throw new ReproError('E_USAGE', `${flag}: no such directory for '${file}'`, {
      hint: 'create the directory first, or write the report elsewhere',
    });
  }
  return abs;
}

/** Commander option parser for a repeatable flag (`-S a=1 -S b=2`). */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
