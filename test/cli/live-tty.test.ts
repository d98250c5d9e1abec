import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, reproBin, tempRepos } from '../helpers/repo.js';

/**
 * `repro run` on a real terminal: the built binary in a detached tmux session (100×30, a private
 * server per test), its screen read with `capture-pane` and polled; every byte it wrote to the
 * terminal is also kept (`pipe-pane`) to check what was never on the final screen. Stages that
 * must stay running wait for files the test creates, so the test decides when they end.
 */

const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => existsSync(p));
if (!TMUX) console.warn('SKIPPED test/cli/live-tty.test.ts: tmux is not installed (apt-get install tmux)');

const { repo, dirs } = tempRepos();
let servers: string[] = [];

afterEach(() => {
  for (const s of servers) {
    try {
      execFileSync(TMUX!, ['-L', s, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // the server was gone already
    }
  }
  servers = [];
});

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** An SGR sequence (colour, bold, dim). */
const SGR = /\x1b\[[0-9;]*m/;
/** The live header, whatever the counts. */
const HEADER = /repro run: \d+\/\d+ done/;

interface Term {
  /** The screen as text (`-e`: with its colour codes). */
  screen(opts?: { escapes?: boolean }): string;
  /** Polls the screen until `test` holds (15 s at most, then fails showing the screen). */
  waitFor(test: RegExp | ((screen: string) => boolean), opts?: { escapes?: boolean }): Promise<string>;
  /** Everything written to the terminal so far. */
  raw(): string;
  keys(...keys: string[]): void;
}

/** Starts `repro ARGS` in `dir` on a 100×30 terminal; the screen ends with `[exit=N]`. */
async function inTmux(dir: string, args: string[], env: Record<string, string> = {}): Promise<Term> {
  const server = `repro-live-${process.pid}-${servers.length}-${Date.now()}`;
  servers.push(server);
  const side = mkdtempSync(join(tmpdir(), 'repro-tty-'));
  dirs.push(side);
  const gate = join(side, 'start');
  const rawFile = join(side, 'raw');
  const tmux = (...a: string[]): string => execFileSync(TMUX!, ['-L', server, '-f', '/dev/null', ...a], { encoding: 'utf8' });
  // The command waits until the pane is piped; `trap` keeps the wrapper shell alive through Ctrl-C.
  const script = [
    `trap true INT`,
    `until [ -e ${q(gate)} ]; do sleep 0.02; done`,
    `${q(process.execPath)} ${q(BIN)} ${args.map(q).join(' ')}`,
    `echo "[exit=$?]"`,
    `exec sleep 600`,
  ].join('; ');
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  tmux('new-session', '-d', '-x', '100', '-y', '30', '-c', dir, ...envArgs, `sh -c ${q(script)}`);
  tmux('pipe-pane', '-o', `cat >> ${q(rawFile)}`);
  writeFileSync(gate, '');
  const screen = (o: { escapes?: boolean } = {}): string => tmux('capture-pane', '-p', ...(o.escapes ? ['-e'] : []));
  return {
    screen,
    async waitFor(test, o = {}) {
      const ok = typeof test === 'function' ? test : (s: string) => test.test(s);
      const until = Date.now() + 15_000;
      let last = '';
      while (Date.now() < until) {
        last = screen(o);
        if (ok(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the screen never showed ${String(test)}; it shows:\n${last}`);
    },
    raw: () => (existsSync(rawFile) ? readFileSync(rawFile, 'utf8') : ''),
    keys: (...k) => void tmux('send-keys', ...k),
  };
}

/** A shell line that waits for `file` (relative to the stage's directory); gives up after ~30 s, so a failed test leaves nothing running. */
const waitFile = (file: string): string => `i=0; until [ -e ${file} ] || [ $i -ge 1500 ]; do sleep 0.02; i=$((i+1)); done`;

describe.skipIf(!TMUX)('repro run on a terminal', () => {
  it('shows a status line with the running stage, its last line, and output in the order written; erases it before the summary', async () => {
    const dir = await repo({
      'repro.yaml': [
        'stages:',
        '  slow:',
        '    cmd: |',
        '      echo "out one"',
        `      ${waitFile('g1')}`,
        '      echo "err two" >&2',
        `      ${waitFile('g2')}`,
        '      echo "out three"',
        `      ${waitFile('go')}`,
        '      echo done > o',
        '    outs: [o]',
        '  next:',
        '    cmd: cp o p',
        '    deps: [o]',
        '    outs: [p]',
        '',
      ].join('\n'),
    });
    const t = await inTmux(dir, ['run']);
    await t.waitFor((s) => /repro run: 0\/2 done · 1 running · 1 queued/.test(s) && /^ {2}slow +\S+ {2}out one$/m.test(s));
    writeFileSync(join(dir, 'g1'), '');
    await t.waitFor(/^ {2}slow +\S+ {2}err two$/m);
    writeFileSync(join(dir, 'g2'), '');
    const running = await t.waitFor(/^ {2}slow +\S+ {2}out three$/m);
    const lines = running.split('\n');
    const at = (l: string): number => lines.indexOf(l);
    expect(at('[slow] out one')).toBeGreaterThan(-1);
    expect(at('[slow] out one')).toBeLessThan(at('[slow] err two'));
    expect(at('[slow] err two')).toBeLessThan(at('[slow] out three'));
    expect(lines.findIndex((l) => HEADER.test(l))).toBeGreaterThan(at('[slow] out three'));
    // Colour on a terminal by default: the counts are bold.
    expect(t.screen({ escapes: true })).toMatch(SGR);

    writeFileSync(join(dir, 'go'), '');
    const end = await t.waitFor(/\[exit=0\]/);
    expect(end).toMatch(/^ran +slow/m);
    expect(end).not.toMatch(HEADER);
    expect(end).not.toMatch(/queued|running ·/);
    expect(end).toContain("running 'next'");
    // The cursor was hidden while the status was up and shown again at the end.
    const raw = t.raw();
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?25l'));
  });

  it("shows a stage's \\r progress bar as it updates, before the stage ends; the log keeps its final frame", async () => {
    const dir = await repo({
      'repro.yaml': [
        'stages:',
        '  bar:',
        '    cmd: |',
        `      printf '\\r 10%%|#    | 1/10' >&2`,
        `      ${waitFile('g1')}`,
        `      printf '\\r 50%%|###  | 5/10' >&2`,
        `      ${waitFile('g2')}`,
        `      printf '\\r100%%|#####| 10/10\\n' >&2`,
        '      echo > o',
        '    outs: [o]',
        '',
      ].join('\n'),
    });
    const t = await inTmux(dir, ['run']);
    await t.waitFor(/^ {2}bar +\S+ {3}10%\|# {4}\| 1\/10$/m);
    writeFileSync(join(dir, 'g1'), '');
    await t.waitFor(/^ {2}bar +\S+ {3}50%\|### {2}\| 5\/10$/m);
    writeFileSync(join(dir, 'g2'), '');
    const end = await t.waitFor(/\[exit=0\]/);
    expect(end).toContain('[bar] 100%|#####| 10/10');
    expect(end).not.toMatch(/ 10%\||50%\|/);
    expect(end).not.toMatch(HEADER);
  });

  it('--quiet prints no stage output and no status, only the summary', async () => {
    const dir = await repo({
      'repro.yaml': 'stages:\n  a:\n    cmd: echo chatty-line; echo chatty-err >&2; echo > o\n    outs: [o]\n',
    });
    const t = await inTmux(dir, ['run', '--quiet']);
    const end = await t.waitFor(/\[exit=0\]/);
    expect(end).toMatch(/^ran +a/m);
    expect(t.raw()).not.toMatch(/chatty|running 'a'|repro run: /);
    expect(t.raw()).not.toContain('\x1b[?25l');
  });

  it('NO_COLOR: the status line has no colour codes', async () => {
    const dir = await repo({
      'repro.yaml': `stages:\n  a:\n    cmd: echo working; ${waitFile('go')}; echo > o\n    outs: [o]\n`,
    });
    const t = await inTmux(dir, ['run'], { NO_COLOR: '1' });
    const live = await t.waitFor((s) => HEADER.test(s) && /^ {2}a +\S+ {2}working$/m.test(s), { escapes: true });
    expect(live).not.toMatch(SGR);
    writeFileSync(join(dir, 'go'), '');
    await t.waitFor(/\[exit=0\]/);
    expect(t.raw()).not.toMatch(SGR);
  });

  it('Ctrl-C: the run is interrupted, the status line erased and the cursor shown', async () => {
    const dir = await repo({
      'repro.yaml': `stages:\n  a:\n    cmd: echo waiting; ${waitFile('never')}; echo > o\n    outs: [o]\n`,
    });
    const t = await inTmux(dir, ['run']);
    await t.waitFor((s) => HEADER.test(s) && /^ {2}a +\S+ {2}waiting$/m.test(s));
    t.keys('C-c');
    const end = await t.waitFor(/\[exit=130\]/);
    expect(end).not.toMatch(HEADER);
    expect(end).not.toMatch(/interrupted, stopping/);
    const raw = t.raw();
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?25l'));
  });

  it('a second Ctrl-C (repro leaves at once) still erases the status line and shows the cursor', async () => {
    // The stage ignores SIGTERM, so after the first Ctrl-C repro waits for it (SIGKILL after ~3 s).
    const dir = await repo({
      'repro.yaml': `stages:\n  a:\n    cmd: trap '' TERM; echo waiting; ${waitFile('never')}; echo > o\n    outs: [o]\n`,
    });
    const t = await inTmux(dir, ['run']);
    await t.waitFor(/^ {2}a +\S+ {2}waiting$/m);
    t.keys('C-c');
    await t.waitFor(/repro run: interrupted, stopping 1 running stage|\[exit=130\]/);
    t.keys('C-c');
    const end = await t.waitFor(/\[exit=130\]/);
    expect(end).not.toMatch(/repro run: /);
    const raw = t.raw();
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?25l'));
  });

  it('run --seeds: the status says which seed runs', async () => {
    const dir = await repo({
      'repro.yaml': `stages:\n  a:\n    cmd: echo "seed $REPRO_SEED"; ${waitFile('go-$REPRO_SEED')}; echo $REPRO_SEED > o\n    outs: [o]\n`,
    });
    const t = await inTmux(dir, ['run', '--seeds', '1,2']);
    await t.waitFor((s) => /repro run: seed 1 \(1 of 2\): 0\/1 done · 1 running/.test(s) && /^ {2}a +\S+ {2}seed 1$/m.test(s));
    writeFileSync(join(dir, 'go-1'), '');
    await t.waitFor((s) => /repro run: seed 2 \(2 of 2\): 0\/1 done · 1 running/.test(s) && /^ {2}a +\S+ {2}seed 2$/m.test(s));
    writeFileSync(join(dir, 'go-2'), '');
    const end = await t.waitFor(/\[exit=0\]/);
    expect(end).not.toMatch(/repro run: seed/);
    expect(end).toContain('note: seed 2 (2 of 2, sweep ');
  });

  it('never wraps: a stage line wider than the terminal is cut in the status line', async () => {
    const long = 'x'.repeat(300);
    const dir = await repo({
      'repro.yaml': `stages:\n  a:\n    cmd: echo ${long}; ${waitFile('go')}; echo > o\n    outs: [o]\n`,
    });
    const t = await inTmux(dir, ['run']);
    const live = await t.waitFor(/^ {2}a +\S+ {2}x+…$/m);
    const row = live.split('\n').find((l) => /^ {2}a +\S+ /.test(l))!;
    expect(row.length).toBeLessThan(100);
    writeFileSync(join(dir, 'go'), '');
    await t.waitFor(/\[exit=0\]/);
  });
});

describe('repro run off a terminal', () => {
  it('writes plain lines: no \\r, no escape codes; a progress bar appears once, as its final frame', async () => {
    const dir = await repo({
      'repro.yaml': [
        'stages:',
        '  bar:',
        '    cmd: |',
        `      printf '\\r 10%%|#    |' >&2; printf '\\r 50%%|###  |' >&2; printf '\\r100%%|#####|\\n' >&2`,
        '      echo plain-out',
        '      echo > o',
        '    outs: [o]',
        '',
      ].join('\n'),
    });
    const r = await reproBin(dir, ['run']);
    expect(r.code).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).not.toMatch(/[\r\x1b]/);
    expect(r.stderr.split('\n')).toEqual(expect.arrayContaining(["running 'bar': never run", '[bar] 100%|#####|', '[bar] plain-out']));
    expect(r.stderr).not.toContain('10%');
    expect(r.stdout).toMatch(/^ran +bar/m);

    const q2 = await reproBin(dir, ['run', '--force', '--quiet']);
    expect(q2.code).toBe(0);
    expect(q2.stderr).not.toMatch(/plain-out|running 'bar'/);
    expect(q2.stdout).toMatch(/^ran +bar/m);
  });
});
