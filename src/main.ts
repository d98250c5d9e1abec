import { Command, CommanderError } from 'commander';
import { ReproError, EXIT, type ErrorCode } from './core/errors.js';
import type { CliEnv } from './cli/common.js';
import { processIo, type Io } from './cli/io.js';
import { VERSION } from './version.js';
import { mark } from './core/timing.js';

type Register = (program: Command, env: CliEnv) => void;

/**
 * Commands load on demand: only the invoked command's module graph is imported, so `repro run`
 * does not pay for diff or verify (start-up time is most of a no-op run). Help and unknown
 * commands load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  init: async () => (await import('./cli/init.js')).registerInit,
  run: async () => (await import('./cli/run.js')).registerRun,
  status: async () => (await import('./cli/status.js')).registerStatus,
  checkout: async () => (await import('./cli/checkout.js')).registerCheckout,
  dag: async () => (await import('./cli/dag.js')).registerDag,
  log: async () => (await import('./cli/log.js')).registerLog,
  show: async () => (await import('./cli/show.js')).registerShow,
  replay: async () => (await import('./cli/replay.js')).registerReplay,
  lineage: async () => (await import('./cli/lineage.js')).registerLineage,
  exp: async () => (await import('./cli/exp.js')).registerExp,
  metrics: async () => (await import('./cli/metrics.js')).registerMetrics,
  diff: async () => (await import('./cli/diff.js')).registerDiff,
  verify: async () => (await import('./cli/verify.js')).registerVerify,
  remote: async () => (await import('./cli/remote.js')).registerRemote,
  push: async () => (await import('./cli/push.js')).registerPush,
  fetch: async () => (await import('./cli/fetch.js')).registerFetch,
  pull: async () => (await import('./cli/fetch.js')).registerPull,
  gc: async () => (await import('./cli/gc.js')).registerGc,
  plots: async () => (await import('./cli/plots.js')).registerPlots,
  report: async () => (await import('./cli/report.js')).registerReport,
  'install-hooks': async () => (await import('./cli/install-hooks.js')).registerInstallHooks,
};

/** The subcommand named in argv: the first word that is not an option (or -C's value). */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-C') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

export interface MainOptions {
  io?: Io;
  cwd?: string;
  /** Aborting this interrupts the command (the bin wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

/**
 * The whole CLI as a function: parse argv, run one command, map every error to an exit code.
 * The only top-level catch. Tests call it in-process; bin/repro.js calls it and exits.
 */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  mark('main');
  const io = opts.io ?? processIo();
  let code: number = EXIT.OK;
  const env: CliEnv = {
    io,
    cwd: opts.cwd ?? process.cwd(),
    signal: opts.signal ?? new AbortController().signal,
    exit: (c) => {
      code = c;
    },
    argv,
  };
  const program = new Command('repro')
    .description('Git-native reproducibility for data and ML pipelines')
    .version(VERSION, '-V, --version')
    .option('--json', 'machine-readable output on stdout')
    .option('-C <dir>', 'run as if started in DIR')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showSuggestionAfterError(true);
  const name = commandName(argv);
  const wanted = name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
  for (const register of await Promise.all(wanted.map((n) => COMMANDS[n]!()))) register(program, env);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with 0; `repro` alone prints the usage as an error (exit 1 in commander).
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT.OK;
      if (argv.includes('--json') && e.code !== 'commander.help') {
        // commander already said it on stderr; a script reading stdout gets the documented error shape.
        const [message, ...rest] = e.message.replace(/^error: /, '').split('\n');
        const hint = rest.join(' ').replace(/^\((.*)\)$/, '$1') || 'see repro --help';
        io.out(JSON.stringify({ error: { code: 'E_USAGE', message, hint } }, null, 2) + '\n');
      }
      return EXIT.USAGE;
    }
    return reportError(e, io, argv.includes('--json'));
  }
}

/** Plain words for the OS errors users meet (the code stays in --json). */
const OS_ERRORS: Record<string, string> = {
  EISDIR: 'expected a file, found a directory',
  ENOTDIR: 'a path goes through a file as if it were a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
};
const OS_HINTS: Record<string, string> = {
  EISDIR: 'repro.yaml, repro.lock, .exprc and params files must be files',
  ELOOP: 'a symlink points to itself or around in a loop; remove or fix it',
  ENOSPC: 'free some space and run again: writes are atomic, so nothing half-written was kept',
  EMFILE: 'raise the limit (ulimit -n) or run with fewer jobs (-j)',
};

function reportError(e: unknown, io: Io, json: boolean): number {
  const debug = process.env.REPRO_DEBUG === '1';
  if (e instanceof ReproError) {
    if (json) io.out(JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint ?? null } }, null, 2) + '\n');
    io.err(`error: ${e.message}\n`);
    if (e.hint) io.err(`hint: ${e.hint}\n`);
    if (debug) io.err(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.syscall) {
    // An OS error we did not anticipate: say what and where, without a stack.
    const what = OS_ERRORS[err.code] ?? `${err.syscall} failed (${err.code})`;
    const message = err.path ? `${what}: '${err.path}'` : `${what} (${err.syscall})`;
    const hint = OS_HINTS[err.code];
    if (json) io.out(JSON.stringify({ error: { code: err.code, message, hint: hint ?? null } }, null, 2) + '\n');
    io.err(`error: ${message}\n`);
    if (hint) io.err(`hint: ${hint}\n`);
    if (debug) io.err(`${err.stack}\n`);
    return EXIT.FAILED;
  }
  if (json)
    io.out(
      JSON.stringify(
        { error: { code: 'E_INTERNAL' satisfies ErrorCode, message: `internal error: ${err?.message ?? String(e)}`, hint: null } },
        null,
        2,
      ) + '\n',
    );
  io.err(`error: internal error: ${err?.message ?? String(e)}\n`);
  io.err(`hint: this is a bug in repro; run again with REPRO_DEBUG=1 and report the stack trace\n`);
  if (debug) io.err(`${err?.stack}\n`);
  return EXIT.FAILED;
}
