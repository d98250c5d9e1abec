/**
 * A shell started for a stage command, whichever way it was started (spawner.ts: through
 * repro-spawner, helper.ts, or node's own spawn). Types only, so both sides share them.
 */

export interface ShellExit {
  /** null when the shell died of a signal. */
  exitCode: number | null;
  signal: string | null;
  /** false: nothing of the shell's process group was left when it was reaped. Unknown: undefined. */
  groupLeft?: boolean;
  /** Set when the shell's exit cannot be known (repro-spawner died while it ran): why. */
  lost?: string;
}

export interface ShellChild {
  pid: number;
  /** The shell was reaped. */
  exited: Promise<ShellExit>;
  /** Both output streams ended (or were dropped by `stopReading`). */
  closed: Promise<void>;
  /** Stop reading output: for a daemon that escaped the group and still holds the streams. */
  stopReading(): void;
  /** Whether `closed` has come (synchronously: no need to arm a drain timer then). */
  isClosed(): boolean;
}

export interface ShellRequest {
  cmd: string;
  cwd: string;
  env: Record<string, string>;
  /** Set on top of `env`. Passing the same `env` object every time with the differences here is cheapest. */
  envExtra?: Record<string, string>;
  /** Output chunks as they arrive; `data` may be reused after the call returns. */
  onData?: (stream: 'stdout' | 'stderr', data: Buffer) => void;
  /** Stdout is not wanted: the node path discards it without a pipe. */
  ignoreStdout?: boolean;
  /**
   * At most this many shells at once, across calls that pass it (the helper queues the rest and
   * starts each the moment a slot frees; the node path keeps the same queue here, for when the
   * helper dies mid-run); undefined: no limit, the caller bounds concurrency itself.
   */
  concurrency?: number;
  /** While the shell is still queued, aborting drops it (rejects with code ECANCELED). */
  signal?: AbortSignal;
  /**
   * Called synchronously the moment the shell is known to run, before any of its output is
   * delivered and before the returned promise settles, so a caller can track its group at once
   * (a `killAll()` right after the first output line must find it).
   */
  onStarted?: (pid: number) => void;
}
