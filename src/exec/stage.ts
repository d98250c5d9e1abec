import { statSync } from 'node:fs';
import { ReproError } from '../core/errors.js';
import { groupAlive, terminateGroup, trackGroup, untrackGroup } from './groups.js';
import { LineSplitter, Tail } from './lines.js';
import { onAbort } from './abort.js';
import { LogFile } from './logfile.js';
import { shellScript } from './script.js';
import { startShell, type ShellChild } from './spawner.js';

/**
 * Running one stage's commands.
 *
 * Contract:
 * - `cmds` run one after another, each as `/bin/sh -c CMD` in `cwd` with exactly `env` (nothing of
 *   this process's environment is added), stdin closed. The first cmd that exits non-zero or dies
 *   of a signal stops the stage; `failedCmd` names it. A cmd of several lines runs with `set -e`,
 *   so its first failing line fails it (script.ts).
 * - Each shell leads its own process group. A stage's processes do not outlive its shell: when the
 *   shell exits, whatever is left of its group (`server &` never waited for) is terminated, so no
 *   stray process keeps writing outputs after they were hashed. A process that left the group
 *   (setsid, a daemon) is not killed; its output stops being read 0.5 s after the group is gone.
 * - Aborting `signal` terminates the running group (SIGTERM, SIGKILL after ~3 s) and resolves once
 *   it is gone, with `aborted: true`; remaining cmds are not started. See groups.ts for Ctrl-C.
 * - Output: `logPath` holds this run only: the old file is removed when the stage starts and a
 *   new one created on the first byte; raw bytes of stdout and stderr of every cmd are appended
 *   in the order they arrive;
 *   lines (see LineSplitter) go to `sink`, prefixed `[prefix] ` when `prefix` is set (with
 *   `partial`, unfinished lines too, flagged); the last 20
 *   stderr lines come back in `stderrTail`. Nothing is redacted here: callers redact before storing.
 * - Never throws for a failing command. Throws `E_STAGE_FAILED` only when the stage cannot start:
 *   the shell cannot be spawned (missing `cwd`, no /bin/sh) or the log directory cannot be made.
 */

export interface StageRunOptions {
  /** Run in order via `sh -c`; stop at the first failure. */
  cmds: string[];
  /** Absolute working directory. */
  cwd: string;
  /** The child's full environment (the caller builds it: process.env + REPRO_SEED etc.). */
  env: Record<string, string>;
  /**
   * Variables set on top of `env`. Cheapest when a caller passes the same `env` object to every
   * call and puts what differs per stage (REPRO_STAGE, REPRO_SEED) here.
   */
  envExtra?: Record<string, string>;
  /** This run's stdout and stderr, interleaved as produced (truncated first); parent dirs created. */
  logPath?: string;
  /** When set, lines reach `sink` as `[prefix] line`. */
  prefix?: string;
  /** Live output, one line at a time; the caller decides where it goes. */
  sink?: (line: string, stream: 'stdout' | 'stderr', partial?: boolean) => void;
  /**
   * Also pass the unfinished line of each stream to `sink` (with `partial` true) whenever a chunk
   * changes it: a `\r` progress bar's frames as they come. The finished line still arrives once,
   * without `partial`; `stderrTail` and the log never see partial lines.
   */
  partial?: boolean;
  /** Abort terminates the child's whole process group (or drops it while still queued). */
  signal?: AbortSignal;
  /**
   * At most this many stage shells at once, across concurrent runStage calls: through
   * repro-spawner (see `spawnerInUse()`), shells wait in its queue and start the moment a slot
   * frees. Without it the caller must bound concurrency itself.
   */
  concurrency?: number;
  /** Called when the first cmd's shell has started (after any wait in the queue). */
  onStart?: () => void;
}

export interface StageRunResult {
  /** Exit code of the last cmd run; null when it was killed by a signal or none started. */
  exitCode: number | null;
  /** Signal that killed the failing cmd, e.g. 'SIGTERM'. */
  signal: string | null;
  durationMs: number;
  /** Last ~20 lines of stderr (across all cmds), not redacted. */
  stderrTail: string[];
  /** The cmd that failed or was running when aborted. */
  failedCmd?: string;
  aborted: boolean;
  /** Whether the first cmd's shell started (false: aborted while it waited in the queue). */
  started: boolean;
  /** Set when the command's end could not be observed (repro-spawner died while it ran); its group was terminated. */
  lost?: string;
  /** Set when writing `logPath` failed midway; logging stopped there, the stage went on. */
  logError?: string;
}

const TAIL_LINES = 20;
/** How long pipes may stay open after the shell's group is gone. */
const DRAIN_MS = 500;

export async function runStage(opts: StageRunOptions): Promise<StageRunResult> {
  const log = opts.logPath === undefined ? undefined : new LogFile(opts.logPath);
  const tail = new Tail(TAIL_LINES);
  let exitCode: number | null = 0;
  let signal: string | null = null;
  let failedCmd: string | undefined;
  let aborted = false;
  let durationMs = 0;
  let lost: string | undefined;
  let started = false;
  const onStart = () => {
    if (started) return;
    started = true;
    opts.onStart?.();
  };
  try {
    for (const cmd of opts.cmds) {
      if (opts.signal?.aborted) {
        aborted = true;
        exitCode = null;
        break;
      }
      const r = await runOne(cmd, opts, log, tail, onStart);
      durationMs += r.durationMs;
      exitCode = r.exitCode;
      signal = r.signal;
      aborted = r.aborted;
      lost = r.lost;
      if (aborted || exitCode !== 0) {
        failedCmd = cmd;
        break;
      }
    }
  } finally {
    log?.close();
  }
  const result: StageRunResult = {
    exitCode,
    signal,
    durationMs: Math.round(durationMs),
    stderrTail: tail.toArray(),
    aborted,
    started,
  };
  if (failedCmd !== undefined) result.failedCmd = failedCmd;
  if (log?.error !== undefined) result.logError = log.error;
  if (lost !== undefined) result.lost = lost;
  return result;
}

/** How a failed command ended, for messages: "exited with code 2", "killed by SIGKILL". */
export function failureText(res: StageRunResult): string {
  if (res.lost !== undefined) return `lost: ${res.lost} while it ran (its processes were terminated)`;
  return res.signal ? `killed by ${res.signal}` : `exited with code ${res.exitCode}`;
}

interface OneResult {
  exitCode: number | null;
  signal: string | null;
  aborted: boolean;
  lost?: string;
  /** From the shell's start (not its wait in the queue) to its exit. */
  durationMs: number;
}

async function runOne(cmd: string, opts: StageRunOptions, log: LogFile | undefined, tail: Tail, onStart: () => void): Promise<OneResult> {
  // Line splitting is set up on the first byte of each stream: most stages print nothing.
  const { sink, prefix } = opts;
  const toSink = (stream: 'stdout' | 'stderr', partial?: true) =>
    sink === undefined
      ? undefined
      : prefix === undefined
        ? (line: string) => sink(line, stream, partial)
        : (line: string) => sink(`[${prefix}] ${line}`, stream, partial);
  const partialSink = (stream: 'stdout' | 'stderr') => (opts.partial ? toSink(stream, true) : undefined);
  const MAX_LINE = 64 * 1024;
  let outLines: LineSplitter | undefined;
  let errLines: LineSplitter | undefined;
  const stdoutLines = () => {
    const s = toSink('stdout');
    return s === undefined ? undefined : (outLines ??= new LineSplitter(s, MAX_LINE, partialSink('stdout')));
  };
  const stderrLines = () =>
    (errLines ??= new LineSplitter(
      (line) => {
        tail.push(line);
        stderrSinkFn?.(line);
      },
      MAX_LINE,
      partialSink('stderr'),
    ));
  const stderrSinkFn = toSink('stderr');

  let child: ShellChild;
  let t0 = 0;
  try {
    // The helper reports a missing cwd only as the shell's exit 127: check it here, as spawn would.
    if (!statSync(opts.cwd, { throwIfNoEntry: false })?.isDirectory())
      throw Object.assign(new Error('no such directory'), { code: 'ENOENT' });
    child = await startShell({
      cmd: shellScript(cmd),
      cwd: opts.cwd,
      env: opts.env,
      envExtra: opts.envExtra,
      ignoreStdout: log === undefined && opts.sink === undefined,
      concurrency: opts.concurrency,
      signal: opts.signal,
      // Before any output arrives: the group is tracked (for killAll) and the stage has started.
      onStarted: (pid) => {
        t0 = performance.now();
        trackGroup(pid);
        onStart();
      },
      onData: (stream, chunk) => {
        log?.write(chunk);
        if (stream === 'stdout') stdoutLines()?.push(chunk);
        else stderrLines().push(chunk);
      },
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ECANCELED') return { exitCode: null, signal: null, aborted: true, durationMs: 0 };
    throw new ReproError(
      'E_STAGE_FAILED',
      `cannot start shell for command in '${opts.cwd}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        cause: e,
        hint: 'check that the stage working directory exists and /bin/sh is executable',
      },
    );
  }
  const pid = child.pid;

  let aborted = false;
  let termination: Promise<void> | undefined;
  const unsubscribe = onAbort(opts.signal, () => {
    aborted = true;
    termination ??= terminateGroup(pid);
  });
  // The shell is gone: end whatever it left running in its group (its pipes would keep us waiting).
  // A process that escaped the group (setsid, a daemon) may still hold the pipes: after a short
  // drain, stop reading them rather than wait for it.
  let drainTimer: NodeJS.Timeout | undefined;
  try {
    const r = await child.exited;
    const durationMs = performance.now() - t0;
    // The helper says whether anything is left in the group; ask the system only then. A shell
    // whose end cannot be seen any more (the helper died) is ended with its group.
    if (r.lost !== undefined || (r.groupLeft !== false && groupAlive(pid))) termination ??= terminateGroup(pid);
    await termination;
    if (!child.isClosed()) drainTimer = setTimeout(() => child.stopReading(), DRAIN_MS).unref();
    await child.closed;
    outLines?.end();
    errLines?.end();
    return r.lost === undefined
      ? { exitCode: r.exitCode, signal: r.signal, aborted, durationMs }
      : { exitCode: null, signal: null, aborted, durationMs, lost: r.lost };
  } finally {
    if (drainTimer) clearTimeout(drainTimer);
    unsubscribe();
    untrackGroup(pid);
  }
}
