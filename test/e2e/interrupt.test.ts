import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, testRepo, tempRepos } from '../helpers/repo.js';

/** The shell's `echo $! > f` creates the file before it writes the pid: wait for the whole line. */
function pidWritten(file: string): boolean {
  return existsSync(file) && /^\d+\n$/.test(readFileSync(file, 'utf8'));
}

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
    await waitFor(() => pidWritten(join(d, 'bg.pid')), 15_000);
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

  // Through repro-spawner the waiting stages sit in its queue; through node's spawn, in a semaphore.
  it.each(['helper', 'node'])(
    'leaves the outputs of stages still waiting for a job slot as they were, and reports them not run (%s)',
    async (mode) => {
      const env = { ...process.env, REPRO_SPAWNER: mode === 'node' ? 'node' : '' };
      const d = await testRepo({
        'repro.yaml': `version: 1
stages:
  a:
    cmd: "if [ -e go-slow ]; then echo $$ > a.pid; sleep 30; fi; echo a > a.txt"
    outs: [a.txt]
  b:
    cmd: echo b > b.txt
    outs: [b.txt]
  c:
    cmd: mkdir -p c && echo c > c/file
    outs: [c/]
`,
      });
      dirs.push(d);
      const first = spawn(process.execPath, [BIN, 'run', '--no-record'], { cwd: d, stdio: 'ignore', env });
      expect(await new Promise((res) => first.on('close', res))).toBe(0);
      await writeFile(join(d, 'go-slow'), '');
      const child = spawn(process.execPath, [BIN, 'run', '--no-record', '--force', '-j', '1', '--json'], {
        cwd: d,
        stdio: ['ignore', 'pipe', 'ignore'],
        env,
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b));
      const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
      await waitFor(() => existsSync(join(d, 'a.pid')), 15_000);
      child.kill('SIGINT');
      expect(await exit).toBe(130);
      const byName = Object.fromEntries(
        (JSON.parse(out) as { stages: Array<{ name: string; status: string }> }).stages.map((s) => [s.name, s.status]),
      );
      expect(byName).toEqual({ a: 'failed', b: 'not-run', c: 'not-run' });
      // a ran and was killed: its old output was cleared before it started. b and c never started.
      expect(existsSync(join(d, 'a.txt'))).toBe(false);
      expect(await readFile(join(d, 'b.txt'), 'utf8')).toBe('b\n');
      expect(await readFile(join(d, 'c', 'file'), 'utf8')).toBe('c\n');
      expect(walk(join(d, '.repro', 'held'))).toEqual([]);
    },
  );

  it('SIGKILL of repro still ends the running stage and its children (repro-spawner sees repro go)', async () => {
    const d = await testRepo({
      'repro.yaml': `version: 1
stages:
  slow:
    cmd: "if [ -e go-slow ]; then sleep 30 & echo $! > bg.pid; echo $$ > sh.pid; wait; fi; echo done > slow.txt"
    outs: [slow.txt]
`,
      'go-slow': '',
    });
    dirs.push(d);
    const env = { ...process.env, REPRO_SPAWNER: '' };
    const child = spawn(process.execPath, [BIN, 'run', '--no-record'], { cwd: d, stdio: 'ignore', env });
    const exit = new Promise<void>((res) => child.on('close', () => res()));
    await waitFor(() => pidWritten(join(d, 'bg.pid')) && pidWritten(join(d, 'sh.pid')), 15_000);
    const pids = await Promise.all(['bg.pid', 'sh.pid'].map(async (f) => Number((await readFile(join(d, f), 'utf8')).trim())));
    for (const pid of pids) expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    await exit;
    await waitFor(() => pids.every((pid) => !alive(pid)), 10_000);
    // Outputs were git-ignored before the command started, so nothing big shows as untracked.
    expect(await readFile(join(d, '.gitignore'), 'utf8')).toMatch(/^\/slow\.txt$/m);
    // The next run takes over the stale lock (saying so on stderr even under --json) and does the work.
    expect(existsSync(join(d, '.repro', 'lock'))).toBe(true);
    await rm(join(d, 'go-slow'));
    const again = spawnSync(process.execPath, [BIN, 'run', '--no-record', '--json'], { cwd: d, env, encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/taking over a stale lock left by pid \d+/);
    expect(JSON.parse(again.stdout).ok).toBe(true);
    expect(await readFile(join(d, 'slow.txt'), 'utf8')).toBe('done\n');
  });

  it("after a kill -9 through node's spawn, the next run stops the stage processes left behind and sweeps temp files", async () => {
    const d = await testRepo({
      'repro.yaml': `version: 1
stages:
  slow:
    cmd: "if [ -e go-slow ]; then sleep 30 & echo $! > bg.pid; wait; fi; echo done > slow.txt"
    outs: [slow.txt]
`,
      'go-slow': '',
    });
    dirs.push(d);
    const env = { ...process.env, REPRO_SPAWNER: 'node' };
    const child = spawn(process.execPath, [BIN, 'run', '--no-record'], { cwd: d, stdio: 'ignore', env });
    const exit = new Promise<void>((res) => child.on('close', () => res()));
    await waitFor(() => pidWritten(join(d, 'bg.pid')), 15_000);
    const bg = Number((await readFile(join(d, 'bg.pid'), 'utf8')).trim());
    child.kill('SIGKILL');
    await exit;
    expect(alive(bg)).toBe(true); // nothing ends it through node's spawn...
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const temps = [join(d, `.params.yaml.tmp-${deadPid}-0a1b2c3d`), join(d, '.repro', 'cache', 'tmp', `.obj.tmp-${deadPid}-0a1b2c`)];
    await mkdir(join(d, '.repro', 'cache', 'tmp'), { recursive: true });
    for (const t of temps) await writeFile(t, 'half');
    await rm(join(d, 'go-slow'));
    const again = spawnSync(process.execPath, [BIN, 'run', '--no-record'], { cwd: d, env, encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/stopped \d+ process(es)? left running by pid \d+/); // ...until the next run
    expect(again.stderr).toMatch(/removed 2 temp files left by pid \d+/);
    expect(alive(bg)).toBe(false);
    for (const t of temps) expect(existsSync(t)).toBe(false);
    expect(await readFile(join(d, 'slow.txt'), 'utf8')).toBe('done\n');
  });
});
