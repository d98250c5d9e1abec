import { resolve } from 'node:path';
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
  return { cwd: o.C ? resolve(env.cwd, o.C) : env.cwd, json: Boolean(o.json) };
}

export function parseIntOpt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || v.trim() === '') throw new ReproError('E_USAGE', `${name} must be a non-negative integer: '${v}'`);
    return n;
  };
}

/** Commander option parser for a repeatable flag (`-S a=1 -S b=2`). */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
