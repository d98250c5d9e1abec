import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isErrno } from '../../src/core/errors.js';
import { killAll, runStage, type StageRunOptions } from '../../src/exec/index.js';
import { SPAWNER_PATH, spawnerInUse } from '../../src/exec/spawner.js';

let dir: string;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'repro-exec-'));
});

function run(cmds: string[], extra: Partial<StageRunOptions> = {}) {
  return runStage({ cmds, cwd: dir, env, ...extra });
}

/** Dead means gone, or a zombie nobody reaps (some container init processes never do). */
function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return true;
    throw e;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/**
 * A SIGKILLed process is gone a moment after the kill, not at it: on a loaded machine the kernel
 * may not have finished it when the shell's exit is reported. Poll briefly (a bound, not a timing
 * assertion).
 */
async function deadSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && !isDead(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return isDead(pid);
}

function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
}

// Every behaviour holds for both ways of starting shells (src/exec/spawner.ts): through the
// repro-spawner helper, which `npm run build` compiles, and through Node's own spawn.
const MODES = ['helper', 'node'] as const;

it('the helper binary was built, so the helper mode below is what runs', () => {
  expect(existsSync(SPAWNER_PATH)).toBe(true);
});

for (const mode of MODES)
  describe(`starting shells through ${mode}`, () => {
    beforeEach(() => {
      if (mode === 'node') process.env.REPRO_SPAWNER = 'node';
      else delete process.env.REPRO_SPAWNER;
      expect(spawnerInUse()).toBe(mode === 'helper');
      return () => {
        delete process.env.REPRO_SPAWNER;
      };
    });

    describe(`runStage (${mode})`, () => {
      it('succeeds with exit code 0 and no failedCmd', async () => {
        const r = await run(['true', 'echo hi']);
        expect(r).toMatchObject({ exitCode: 0, signal: null, aborted: false, stderrTail: [] });
        expect(r.failedCmd).toBeUndefined();
        expect(r.durationMs).toBeGreaterThanOrEqual(0);
      });

      it('returns the exit code of a failing command without throwing', async () => {
        const r = await run(['exit 7']);
        expect(r.exitCode).toBe(7);
        expect(r.failedCmd).toBe('exit 7');
      });

      it('stops at the first failing command', async () => {
        const r = await run(['touch a', 'false', 'touch b']);
        expect(r.exitCode).toBe(1);
        expect(r.failedCmd).toBe('false');
        expect(existsSync(join(dir, 'a'))).toBe(true);
        expect(existsSync(join(dir, 'b'))).toBe(false);
      });

      it('stops a multi-line cmd at its first failing line (set -e), naming the whole cmd', async () => {
        const block = 'echo a > a\nfalse_command_xyz\necho b > b\n';
        const r = await run([block, 'touch c']);
        expect(r.exitCode).toBe(127);
        expect(r.failedCmd).toBe(block);
        expect(existsSync(join(dir, 'a'))).toBe(true);
        expect(existsSync(join(dir, 'b'))).toBe(false);
        expect(existsSync(join(dir, 'c'))).toBe(false);
        // The shell's line number is the user's: `set -e` adds no line before the block.
        expect(r.stderrTail.join('\n')).toMatch(/2: false_command_xyz: not found/);
      });

      it('keeps the shell meaning of a one-line cmd and the set -e exceptions in a block', async () => {
        // One line: `a; b` has the status of b, as in any shell.
        expect((await run(['false; touch one'])).exitCode).toBe(0);
        expect(existsSync(join(dir, 'one'))).toBe(true);
        // A block: failures in a condition, left of || and early in a pipeline do not stop it.
        const r = await run(['if false; then :; fi\nfalse || true\nfalse | true\ntouch two\n']);
        expect(r.exitCode).toBe(0);
        expect(existsSync(join(dir, 'two'))).toBe(true);
        // `set +e` turns it off for the rest of the block.
        expect((await run(['set +e\nfalse\ntouch three'])).exitCode).toBe(0);
        expect(existsSync(join(dir, 'three'))).toBe(true);
      });

      it('keeps the last 20 lines of stderr', async () => {
        const r = await run(['i=1; while [ $i -le 30 ]; do echo "err $i" >&2; echo "out $i"; i=$((i+1)); done; exit 2']);
        expect(r.stderrTail).toHaveLength(20);
        expect(r.stderrTail[0]).toBe('err 11');
        expect(r.stderrTail[19]).toBe('err 30');
      });

      it('gives the child exactly the env passed, in cwd', async () => {
        process.env.REPRO_TEST_LEAK = 'leaked';
        try {
          const r = await run(['echo "$REPRO_SEED ${REPRO_TEST_LEAK:-none} $(pwd)" > out.txt'], { env: { ...env, REPRO_SEED: '42' } });
          expect(r.exitCode).toBe(0);
        } finally {
          delete process.env.REPRO_TEST_LEAK;
        }
        const [seed, leak, cwd] = readFileSync(join(dir, 'out.txt'), 'utf8').trim().split(' ');
        expect(seed).toBe('42');
        expect(leak).toBe('none');
        expect(cwd).toBe(realpathSync(dir));
      });

      it('closes stdin', async () => {
        const r = await run(['cat > in.txt']);
        expect(r.exitCode).toBe(0);
        expect(readFileSync(join(dir, 'in.txt'), 'utf8')).toBe('');
      });

      it("logs every cmd's stdout and stderr in the order produced, creating parent dirs; a new run truncates", async () => {
        const logPath = join(dir, 'logs', 'deep', 'stage.log');
        await run(['echo one', 'echo two >&2; sleep 0.2; echo three'], { logPath });
        expect(readFileSync(logPath, 'utf8')).toBe('one\ntwo\nthree\n');
        await run(['echo four'], { logPath });
        expect(readFileSync(logPath, 'utf8')).toBe('four\n');
      });

      it('sends prefixed lines to the sink, tagged by stream', async () => {
        const lines: [string, string][] = [];
        await run(['echo a; echo b >&2; printf c'], { prefix: 'train@small', sink: (l, s) => lines.push([l, s]) });
        expect(lines.sort()).toEqual([
          ['[train@small] a', 'stdout'],
          ['[train@small] b', 'stderr'],
          ['[train@small] c', 'stdout'],
        ]);
      });

      it('sends bare lines to the sink without a prefix', async () => {
        const lines: string[] = [];
        await run(['echo a'], { sink: (l) => lines.push(l) });
        expect(lines).toEqual(['a']);
      });

      it('reports a command killed by a signal', async () => {
        const r = await run(['kill -9 $$']);
        expect(r.exitCode).toBeNull();
        expect(r.signal).toBe('SIGKILL');
        expect(r.failedCmd).toBe('kill -9 $$');
      });

      it('throws E_STAGE_FAILED when the shell cannot start', async () => {
        await expect(runStage({ cmds: ['true'], cwd: join(dir, 'missing'), env })).rejects.toMatchObject({ code: 'E_STAGE_FAILED' });
      });

      it('does not let background processes outlive the stage', async () => {
        const r = await run(['sleep 30 & echo $! > pids']);
        expect(r.exitCode).toBe(0);
        for (const pid of pidsIn(join(dir, 'pids'))) expect(await deadSoon(pid)).toBe(true);
      });

      it.skipIf(!existsSync('/usr/bin/setsid') && !existsSync('/bin/setsid'))(
        'does not wait for a daemon that escaped the group and holds the pipes',
        async () => {
          // The daemon sleeps past the test's timeout (30 s), so the stage returns only if it did not
          // wait for it, and the daemon must still be alive when it does. The shell waits until the
          // daemon has left the group (written its pid), so the group kill at the shell's exit
          // cannot catch it half-way through setsid.
          const r = await run(["setsid sh -c 'echo $$ > daemon.pid; exec sleep 60' & while [ ! -s daemon.pid ]; do sleep 0.05; done"], {
            sink: () => {},
          });
          expect(r.exitCode).toBe(0);
          const daemonPid = Number(readFileSync(join(dir, 'daemon.pid'), 'utf8'));
          const alive = !isDead(daemonPid);
          if (alive) process.kill(daemonPid, 'SIGKILL');
          expect(alive, 'the daemon, which escaped the group, was still running when the stage returned').toBe(true);
        },
      );
    });

    describe(`runStage abort (${mode})`, () => {
      it('does not start anything when already aborted', async () => {
        const r = await run(['touch a'], { signal: AbortSignal.abort() });
        expect(r).toMatchObject({ aborted: true, exitCode: null });
        expect(existsSync(join(dir, 'a'))).toBe(false);
      });

      it('kills the whole process group quickly and skips later cmds', async () => {
        const ac = new AbortController();
        const r = await run(['sleep 30 & echo $! > pids; echo $$ >> pids; echo ready; sleep 30', 'touch after'], {
          signal: ac.signal,
          sink: (line) => line === 'ready' && ac.abort(),
        });
        expect(r.aborted).toBe(true);
        expect(r.exitCode).toBeNull();
        expect(r.signal).toBe('SIGTERM');
        expect(r.failedCmd).toMatch(/^sleep 30 &/);
        // r.signal is SIGTERM: the group ended on SIGTERM, before the SIGKILL escalation.
        const pids = pidsIn(join(dir, 'pids'));
        expect(pids).toHaveLength(2);
        for (const pid of pids) expect(await deadSoon(pid)).toBe(true);
        expect(existsSync(join(dir, 'after'))).toBe(false);
      });

      it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
        const ac = new AbortController();
        writeFileSync(join(dir, 'stubborn.sh'), "trap '' TERM\nsleep 30 & echo $! > pids\necho ready\nwait\n");
        const r = await run(['sh stubborn.sh'], { signal: ac.signal, sink: (line) => line === 'ready' && ac.abort() });
        expect(r.aborted).toBe(true);
        for (const pid of pidsIn(join(dir, 'pids'))) expect(await deadSoon(pid)).toBe(true);
      });

      it('calls onStart before the first line of output reaches the sink', async () => {
        for (let i = 0; i < 10; i++) {
          const order: string[] = [];
          await run(['echo first; echo second >&2'], { onStart: () => order.push('start'), sink: (line) => order.push(line) });
          expect(order[0]).toBe('start');
          expect(order.slice(1).sort()).toEqual(['first', 'second']);
        }
      });

      it('killAll terminates running stages, even right after their first output', async () => {
        // The helper may deliver "started" and the first output in one read: the group must be
        // tracked before that output reaches the sink (this hung ~1 in 3 on a loaded machine).
        for (let i = 0; i < 10; i++) {
          let ready!: () => void;
          const started = new Promise<void>((res) => (ready = res));
          const p = run(['echo ready; sleep 30'], { sink: () => ready() });
          await started;
          await killAll();
          const r = await Promise.race([p, new Promise<'hung'>((res) => setTimeout(() => res('hung'), 5000).unref())]);
          expect(r).toMatchObject({ aborted: false, exitCode: null, signal: 'SIGTERM' });
        }
      });
    });
  });

describe('the repro-spawner queue (concurrency)', () => {
  beforeEach(() => {
    delete process.env.REPRO_SPAWNER;
    expect(spawnerInUse()).toBe(true);
  });

  // Each command marks itself running, records how many are running, and unmarks itself.
  const marker = (i: number) => `touch run.${i}; ls run.* | wc -l >> counts; sleep 0.2; rm run.${i}; echo ${i} >> done`;

  it('runs at most `concurrency` shells at once and starts every queued one', async () => {
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => run([marker(i)], { concurrency: 2 })));
    for (const r of results) expect(r.exitCode).toBe(0);
    const counts = readFileSync(join(dir, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(6);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(readFileSync(join(dir, 'done'), 'utf8').trim().split('\n').sort()).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('calls onStart only when the shell really starts, after its wait in the queue', async () => {
    const order: string[] = [];
    const first = run(['sleep 0.3; echo a >> order'], { concurrency: 1, onStart: () => order.push('start a') });
    const second = run(['echo b >> order'], { concurrency: 1, onStart: () => order.push('start b') });
    await Promise.all([first, second]);
    expect(order).toEqual(['start a', 'start b']);
    expect(readFileSync(join(dir, 'order'), 'utf8')).toBe('a\nb\n'); // b waited for a's slot
  });

  it('drops a queued shell when its signal aborts, without running it', async () => {
    const ac = new AbortController();
    let ready!: () => void;
    const started = new Promise<void>((res) => (ready = res));
    const blocker = run(['echo ready; sleep 0.5'], { concurrency: 1, sink: () => ready() });
    const queued = run(['touch should-not-exist'], { concurrency: 1, signal: ac.signal });
    await started;
    ac.abort();
    const r = await queued;
    expect(r).toMatchObject({ aborted: true, exitCode: null });
    expect((await blocker).exitCode).toBe(0);
    expect(existsSync(join(dir, 'should-not-exist'))).toBe(false);
  });

  it('passes each job only its changes to the environment, set and unset alike', async () => {
    await run(['echo "$A-$B" > one'], { env: { ...env, A: '1', B: '2' } });
    await run(['echo "$A-${B-unset}-$C" > two'], { env: { ...env, A: 'x', C: '3' } });
    expect(readFileSync(join(dir, 'one'), 'utf8')).toBe('1-2\n');
    expect(readFileSync(join(dir, 'two'), 'utf8')).toBe('x-unset-3\n');
  });
});
