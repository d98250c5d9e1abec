import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, testRepo, tempRepos } from '../helpers/repo.js';

// Ctrl-C through the real binary: children terminated, exit 130, nothing half-written.
const { dirs } = tempRepos();

/** Alive and not a zombie (a container's PID 1 may never reap orphans). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every file under dir, recursively (relative paths). */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('interrupting repro run', () => {
  it('SIGINT terminates the stage and its children, exits 130, keeps finished stages in the lock', async () => {
    const d = await testRepo({
      'repro.yaml': `version: 1
stages:
  first:
    cmd: echo done > first.txt
    outs: [first.txt]
  slow:
    cmd: "sleep 30 & echo $! > bg.pid; wait; echo never > slow.txt"
    deps: [first.txt]
    outs: [slow.txt]
`,
    });
    dirs.push(d);
    const child = spawn(process.execPath, [BIN, 'run', '--no-record'], { cwd: d, stdio: 'ignore' });
    const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    await waitFor(() => existsSync(join(d, 'bg.pid')), 15_000);
    const bg = Number((await readFile(join(d, 'bg.pid'), 'utf8')).trim());
    expect(alive(bg)).toBe(true);
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    await waitFor(() => !alive(bg), 5_000);
    expect(existsSync(join(d, '.repro', 'lock'))).toBe(false);
    expect(existsSync(join(d, 'slow.txt'))).toBe(false);
    const lock = await readFile(join(d, 'repro.lock'), 'utf8');
    expect(lock).toMatch(/^ {2}first:$/m);
    expect(lock).not.toMatch(/^ {2}slow:$/m);
    expect(walk(join(d, '.repro')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
