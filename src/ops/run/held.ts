import { mkdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Held outputs: a stage waiting in repro-spawner's queue has its old outputs moved into
 * `.repro/held/` (a rename) instead of deleted, deleted when its command starts and put back when
 * it never does (Ctrl-C while it waits), so an interrupted run leaves those outputs as they were.
 * Used by ops/run/command.ts (runCommand); one instance per run, which holds the repository lock.
 */
export interface Held {
  abs: string;
  at: string;
  dir: boolean;
}

export class HeldOutputs {
  private readonly dir: string;
  private count = 0;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'held');
  }

  /**
   * Remove what a run killed (-9) before its queued stages started left here: their stages will
   * rerun or restore from the run cache, which has the objects. The caller holds the lock.
   */
  clearLeftovers(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Move an existing output aside until its command starts; false when it cannot be (remove it instead). */
  hold(abs: string, dir: boolean, into: Held[]): boolean {
    if (this.count === 0) mkdirSync(this.dir, { recursive: true });
    const at = join(this.dir, `${process.pid}-${this.count++}`);
    try {
      renameSync(abs, at);
    } catch {
      return false; // EXDEV (the output sits on another file system), EACCES: remove it as before
    }
    into.push({ abs, at, dir });
    return true;
  }

  /** The command started: the held copies go. Directories are removed off the main thread (awaited by the caller). */
  static drop(held: Held[], pending: Array<Promise<void>>): void {
    for (const h of held) {
      if (h.dir) pending.push(rm(h.at, { recursive: true, force: true }).catch(() => {}));
      else unlinkIfPresent(h.at);
    }
  }

  /** The command never started: put each held output back where it was. */
  static putBack(held: Held[]): void {
    for (const h of held) {
      try {
        renameSync(h.at, h.abs);
      } catch {
        // Something now occupies the path; the held copy goes (the cache has recorded outputs).
        rmSync(h.at, { recursive: true, force: true });
      }
    }
  }
}

/** Leftovers are removed by the next run (clearLeftovers), so a failure here loses nothing. */
function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or left for the next run's clean-up
  }
}
