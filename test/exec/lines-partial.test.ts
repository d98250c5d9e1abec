import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/exec/lines.js';
import { runStage } from '../../src/exec/index.js';

/** Lines and partial lines in the order they were passed on: partials as `~text`. */
function split(chunks: string[]): string[] {
  const out: string[] = [];
  const s = new LineSplitter(
    (l) => out.push(l),
    64 * 1024,
    (p) => out.push(`~${p}`),
  );
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

describe('LineSplitter partial lines', () => {
  it('passes on each new frame of a \\r progress bar, then the finished line once', () => {
    expect(split(['\r 10%', '\r 50%', '\r 50%', '\r100%\n'])).toEqual(['~ 10%', '~ 50%', '100%']);
  });

  it('shows a line written in pieces as it grows, and a trailing \\r frame without the \\r', () => {
    expect(split(['load', 'ing…', ' done\n', 'x\r'])).toEqual(['~load', '~loading…', 'loading… done', '~x', 'x']);
  });

  it('sends nothing partial without onPartial, and nothing for a chunk that ends a line', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.push('\r 10%');
    s.push('\r100%\n');
    s.end();
    expect(out).toEqual(['100%']);
    expect(split(['a\n', 'b\n'])).toEqual(['a', 'b']);
  });
});

describe('runStage with partial', () => {
  it('reaches the sink flagged partial while the command still runs; stderrTail keeps only finished lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repro-partial-'));
    try {
      const got: string[] = [];
      // The command goes on only once the sink has seen its unfinished line (or gives up after ~10 s).
      const res = await runStage({
        cmds: [
          `printf '\\r 10%%' >&2; i=0; until [ -e seen ] || [ $i -ge 200 ]; do sleep 0.05; i=$((i+1)); done; printf '\\r100%%\\n' >&2`,
        ],
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        prefix: 'bar',
        partial: true,
        sink: (line, stream, partial) => {
          got.push(`${stream}${partial ? ' partial' : ''}: ${line}`);
          if (partial) writeFileSync(join(dir, 'seen'), '');
        },
      });
      expect(res.exitCode).toBe(0);
      expect(got).toEqual(['stderr partial: [bar]  10%', 'stderr: [bar] 100%']);
      expect(res.stderrTail).toEqual(['100%']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
