import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { StorePool } from '../../src/cache/pool.js';

/**
 * A worker's copy answer: its `tRef` (what the workspace file's stat-cache entry is judged
 * against) is taken before the file was read. One taken after the read let a file rewritten
 * within the racy margin after the read (same size, same timestamp tick) keep the old content's
 * hash in the stat cache. A FIFO makes "after the read" observable: its bytes exist only once
 * the test writes them.
 */

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A one-worker pool over a fresh objects directory, and a FIFO to store (its read blocks until written). */
function fifoPool(): { fifo: string; pool: StorePool } {
  dir = mkdtempSync(join(tmpdir(), 'repro-pool-'));
  const objects = join(dir, 'objects');
  for (let i = 0; i < 256; i++) mkdirSync(join(objects, i.toString(16).padStart(2, '0')), { recursive: true });
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  return { fifo, pool: new StorePool({ objectsDir: objects }, 1) };
}

it('a copy answer is judged from a moment before the read, not after it', async () => {
  const { fifo, pool } = fifoPool();
  try {
    const answer = pool.submit({ abs: fifo, size: 5, exec: false, link: false });
    pool.flush();
    // Resolves once the worker has opened the FIFO for reading, i.e. after it took its tRef.
    const w = await open(fifo, 'w');
    await new Promise((r) => setTimeout(r, 60));
    const tWrite = Date.now(); // the bytes the worker reads exist only from here on
    await w.write('hello');
    await w.close();
    const res = await answer;
    expect(res.kind).toBe('stored');
    if (res.kind !== 'stored') return;
    expect(res.tRef).toBeLessThan(tWrite);
    expect(res.objRef).toBeGreaterThanOrEqual(tWrite); // the object's own write came after
  } finally {
    await pool.close();
  }
});

it('a worker that dies with a file in flight fails that file instead of leaving it waiting', async () => {
  const { fifo, pool } = fifoPool();
  try {
    const answer = pool.submit({ abs: fifo, size: 5, exec: false, link: false });
    pool.flush();
    const w = await open(fifo, 'w'); // the worker is blocked reading the FIFO now
    // terminate() takes effect once the blocking read returns: end it by closing the FIFO.
    const ended = (pool as unknown as { workers: { w: { terminate(): Promise<number> } }[] }).workers[0]!.w.terminate();
    await w.close();
    await ended;
    await expect(answer).rejects.toThrow(/store worker exited/);
    await expect(pool.submit({ abs: fifo, size: 5, exec: false, link: false })).rejects.toThrow(/store worker exited/);
  } finally {
    await pool.close();
  }
});
