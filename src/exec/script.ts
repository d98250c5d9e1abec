/**
 * A stage cmd → the script handed to `/bin/sh -c`: the one place both ways of starting shells
 * (repro-spawner and Node's spawn, see spawner.ts) get their text from.
 *
 * A cmd of several lines (`cmd: |` with more than one line) runs with `set -e`, so its first
 * failing line fails the stage, as the first failing entry of a cmd list does. A one-line cmd is
 * passed as written: `a; b` keeps the shell's meaning (the status of `b`), as in DVC and make.
 *
 * `set -e` goes on the first line (`set -e; <line 1>`), not a line of its own, so the shell's
 * line numbers in its own messages (`sh: 3: x: not found`) stay those of the user's block. The
 * shell's `set -e` rules apply: a failure is ignored in an `if`/`while` condition, left of `&&`
 * or `||`, after `!`, and in any but the last command of a pipeline; `set +e` turns it off.
 *
 * Applied at exec time only: stage keys hash the cmd as written (pipeline/key.ts), so this wrapping
 * changes no key.
 */
export function shellScript(cmd: string): string {
  return isMultiLine(cmd) ? `set -e; ${cmd}` : cmd;
}

/** More than one line, not counting the trailing newline a `cmd: |` block ends with. */
export function isMultiLine(cmd: string): boolean {
  return cmd.replace(/\n+$/, '').includes('\n');
}
