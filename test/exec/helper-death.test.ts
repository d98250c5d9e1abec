import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { failureText, runStage, type StageRunOptions } from '../../src/exec/index.js';
import { Helper } from '../../src/exec/helper.js';
import { spawnerInUse } from '../../src/exec/spawner.js';

// When repro-spawner cannot serve a job, the job must still run, and -j must still hold.
let dir: string;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'repro-helper-'));
  delete process.env.REPRO_SPAWNER;
  Helper.broken = false; // a test below kills the helper; each test starts with a working one
  expect(spawnerInUse()).toBe(true);
});

function run(cmds: string[], extra: Partial<StageRunOptions> = {}) {
  return runStage({ cmds, cwd: dir, env, ...extra });
}

function dead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

// Each command marks itself running, records how many are running, and unmarks itself.
const marker = (i: number) => `touch run.${i}; ls run.* | wc -l >> counts; sleep 0.1; rm run.${i}; echo ${i} >> done`;

describe('when repro-spawner dies mid-run', () => {
  it('reports the running command lost and ends it, and starts the queued ones through node, still one at a time', async () => {
    // The first command kills its parent, the helper, while the others wait in its queue. Only
    // the helper: were this shell started through node's spawn (the helper gone before it took
    // the job), its parent would be this test runner's worker, whose death ends the whole run.
    const killHelper = 'case "$(ps -o comm= -p $PPID)" in *repro-spawner*) kill -9 $PPID ;; *) exit 99 ;; esac';
    const first = run([`echo $$ > first.pid; echo $PPID > helper.pid; ${killHelper}; sleep 30`], { concurrency: 1 });
    const queued = [0, 1, 2, 3].map((i) => run([marker(i)], { concurrency: 1 }));
    const r = await first;
    expect(r.exitCode).toBeNull();
    expect(r.lost).toMatch(/repro-spawner exited/);
    expect(failureText(r)).toMatch(/^lost: repro-spawner exited while it ran/);
    expect(dead(Number(readFileSync(join(dir, 'first.pid'), 'utf8')))).toBe(true);
    for (const q of await Promise.all(queued)) expect(q).toMatchObject({ exitCode: 0, started: true });
    const counts = readFileSync(join(dir, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(4);
    expect(Math.max(...counts)).toBe(1);
    expect(spawnerInUse()).toBe(false); // later stages start through node from the outset
    const again = await run([marker(9)], { concurrency: 1 });
    expect(again.exitCode).toBe(0);
  });

  it('drops a job queued in the node fallback when its signal aborts', async () => {
    Helper.broken = true;
    const ac = new AbortController();
    let ready!: () => void;
    const started = new Promise<void>((res) => (ready = res));
    const blocker = run(['echo ready; sleep 0.3'], { concurrency: 1, sink: () => ready() });
    const queued = run(['touch should-not-exist'], { concurrency: 1, signal: ac.signal });
    await started;
    ac.abort();
    expect(await queued).toMatchObject({ aborted: true, started: false, exitCode: null });
    expect((await blocker).exitCode).toBe(0);
    expect(existsSync(join(dir, 'should-not-exist'))).toBe(false);
  });
});

describe('an environment larger than repro-spawner takes', () => {
  it('runs the command through node instead, with every variable', async () => {
    const big: Record<string, string> = { ...env };
    for (let i = 0; i < 4100; i++) big[`V${i}`] = String(i);
    const r = await run(['echo "$V0 $V4099" > out'], { env: big });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('0 4099\n');
    expect(spawnerInUse()).toBe(true); // the helper is still there for ordinary jobs
  });
});
