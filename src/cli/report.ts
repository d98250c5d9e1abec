import type { Command } from 'commander';
import type { CliEnv } from './common.js';

export function registerReport(program: Command, env: CliEnv): void {
  void env;
  program.command('report');
}
