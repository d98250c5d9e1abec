import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ReproError } from '../core/errors.js';

/** Appends synchronously, so bytes land in arrival order across both streams. */
export class LogFile {
  private fd: number | undefined;
  private opened = false;
  private readonly present: Set<string>;
  error: string | undefined;

  /**
   * The file is created on the first byte of output: most pipeline stages print nothing, and a
   * file create per stage is a visible cost on a 200-stage run. The previous run's log is removed
   * up front, so the file always holds this run (or nothing, when this run printed nothing).
   */
  constructor(readonly path: string) {
    try {
      const dir = dirname(path);
      let present = logDirs.get(dir);
      if (!present) {
        mkdirSync(dir, { recursive: true });
        // One listing per directory instead of a stat per stage (~40 µs each on the bench VM).
        present = new Set(readdirSync(dir));
        logDirs.set(dir, present);
      }
      this.present = present;
      const name = basename(path);
      if (present.has(name)) {
        rmSync(path, { force: true });
        present.delete(name);
      }
    } catch (e) {
      throw new ReproError('E_STAGE_FAILED', `cannot prepare log file '${path}'`, { cause: e });
    }
  }

  write(chunk: Buffer): void {
    if (!this.opened) {
      this.opened = true;
      try {
        this.fd = openSync(this.path, 'w');
        this.present.add(basename(this.path));
      } catch (e) {
        this.error = `cannot open log file '${this.path}': ${(e as Error).message}`;
      }
    }
    if (this.fd === undefined) return;
    try {
      for (let off = 0; off < chunk.length;) off += writeSync(this.fd, chunk, off);
    } catch (e) {
      this.error = `cannot write log file '${this.path}': ${(e as Error).message}`;
      this.close();
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}

/**
 * Log directories this process made or listed, with the names in them: one mkdir and one listing
 * per directory, not a stat per stage. Only this process writes there while it holds the
 * repository lock, so the sets stay true.
 */
const logDirs = new Map<string, Set<string>>();
