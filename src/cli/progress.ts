import type { Progress } from '../ops/remote/index.js';
import type { Io } from './io.js';

/**
 * One progress line on stderr, redrawn in place at most 10 times a second, only on a TTY:
 * `push: 1234/10000 objects, 12.3/98.1 MB, 45.6 MB/s`. `done()` clears it.
 */
export function progressLine(io: Io, verb: string): { update(p: Progress): void; done(): void } {
  if (!io.isTTY) return { update() {}, done() {} };
  const start = Date.now();
  let last = 0;
  let drawn = false;
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.done !== p.total) return;
      last = now;
      const rate = p.bytes / Math.max(0.001, (now - start) / 1000);
      const bytes = p.totalBytes ? `${mb(p.bytes)}/${mb(p.totalBytes)} MB` : `${mb(p.bytes)} MB`;
      const what = p.phase === 'checking' ? 'checking' : `${bytes}, ${mb(rate)} MB/s`;
      io.err(`\r\x1b[K${verb}: ${p.done}/${p.total} objects, ${what}`);
      drawn = true;
    },
    done() {
      if (drawn) io.err('\r\x1b[K');
    },
  };
}
