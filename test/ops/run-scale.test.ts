import { describe, expect, it } from 'vitest';
import { PathIndex } from '../../src/core/sorted.js';
import { unproducedDeps } from '../../src/ops/run/missing.js';
import { ReadyQueue } from '../../src/ops/run/ready.js';
import { parseLock, serializeLock } from '../../src/lock/index.js';
import { isWithin } from '../../src/core/paths.js';
import type { Stage } from '../../src/pipeline/index.js';
import { repro, tempRepos } from '../helpers/repo.js';

// The structures that replaced scans over every stage or output (issue 16): each must answer
// exactly what the scan answered, edge cases included. No timings: the 2,000-stage pipeline
// below is there for the shapes (a fan-in of 2,000 deps), not for speed.

const dep = (path: string) => ({ path, pos: { file: 'repro.yaml', line: 1, col: 1 } }) as Stage['deps'][number];
const stage = (name: string) => ({ name }) as Stage;

describe('structures at scale', () => {
  const { repo } = tempRepos();

  it('PathIndex finds exactly the outputs a scan with isWithin finds', () => {
    const outs = ['a', 'b/c', 'b/d/e', 'bb', 'b-x', 'c/d', 'c/dd/e', 'z/y/x/w'];
    const idx = new PathIndex(outs);
    for (const p of ['', 'a', 'a/b', 'b', 'b/c', 'b/c/d', 'b/d', 'c', 'c/d', 'c/d/e', 'c/dd', 'z/y', 'z/y/x/w/v', 'nothing', 'b-']) {
      const scan = outs.filter((o) => isWithin(p, o) || isWithin(o, p)).sort();
      expect(idx.overlapping(p), p).toEqual(scan);
    }
  });

  it('unproducedDeps keeps exactly the deps no produced output makes', () => {
    const produced = ['mid/a.txt', 'dir', 'x/y/z.txt', 'ab'];
    const deps = ['mid/a.txt', 'mid/b.txt', 'dir/in/side.txt', 'x', 'x/y', 'x/yy', 'a', 'abc', '', 'mid'].map(dep);
    const overlap = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
    const scan = deps.filter((d) => !produced.some((o) => overlap(o, d.path)));
    expect(unproducedDeps(deps, produced).map((d) => d.path)).toEqual(scan.map((d) => d.path));
  });

  it('ReadyQueue hands out ready stages in selection order, whatever order upstreams finish in', () => {
    const names = ['src', 'm1', 'm2', 'm3', 'm4', 'sink', 'alone'];
    const upstream = new Map<string, string[]>([
      ['m1', ['src']],
      ['m2', ['src']],
      ['m3', ['src']],
      ['m4', ['src', 'outside']], // an upstream not selected does not count
      ['sink', ['m1', 'm2', 'm3', 'm4']],
    ]);
    const q = new ReadyQueue(names.map(stage), upstream);
    expect([q.take()?.name, q.take()?.name, q.take()]).toEqual(['src', 'alone', undefined]);
    q.done('src');
    expect(q.size).toBe(4);
    expect(q.take()?.name).toBe('m1');
    q.done('m1');
    expect(q.size).toBe(3); // sink still waits for three
    for (const n of ['m4', 'm3']) q.done(n); // finished out of order
    expect([q.take()?.name, q.take()?.name, q.take()?.name]).toEqual(['m2', 'm3', 'm4']);
    expect(q.size).toBe(0);
    q.done('m2');
    expect(q.take()?.name).toBe('sink');
    expect(q.started).toBe(7);
  });

  it('a 2,000-stage lock round-trips, and a repeated stage name in one is still refused', () => {
    const stages: Record<string, never> = {};
    const entry = (i: number) => ({
      cmd: [`echo ${i}`],
      key: `k${i}`,
      deps: { 'src.txt': 'h' },
      out_hashes: { [`mid/m${i}.txt`]: { hash: 'x', size: i } },
    });
    for (let i = 0; i < 2000; i++) (stages as Record<string, unknown>)[`m${i}`] = entry(i);
    const text = serializeLock({ schema: 1, stages });
    expect(parseLock(text)).toEqual({ schema: 1, stages });
    const small = serializeLock({ schema: 1, stages: Object.fromEntries(Object.entries(stages).slice(0, 50)) });
    const dup = small.replace(/^ {2}m49:$/m, '  m7:');
    expect(() => parseLock(dup)).toThrow(
      expect.objectContaining({ code: 'E_YAML', message: expect.stringContaining("duplicate key 'm7'") }),
    );
  });

  it('in a fan-in of 2,000 stages a dry run names the one dep nothing makes', async () => {
    const n = 2000;
    let yaml = 'stages:\n  src:\n    cmd: cp in.txt src.txt\n    deps: [in.txt]\n    outs: [src.txt]\n';
    for (let i = 0; i < n; i++) yaml += `  m${i}:\n    cmd: cp src.txt mid/m${i}.txt\n    deps: [src.txt]\n    outs: [mid/m${i}.txt]\n`;
    const mids = Array.from({ length: n }, (_, i) => `mid/m${i}.txt`);
    yaml += `  sink:\n    cmd: cat mid/*.txt > final.txt\n    deps: [${[...mids, 'absent.txt'].join(', ')}]\n    outs: [final.txt]\n`;
    const d = await repo({ 'repro.yaml': yaml, 'in.txt': 'x\n' });
    const dry = await repro(d, 'run', '--dry', '--json');
    expect(dry.code).toBe(0);
    const sink = (JSON.parse(dry.stdout) as { stages: { name: string; error: string | null }[] }).stages.find((s) => s.name === 'sink');
    expect(sink?.error).toBe(`would fail: dependency missing: 'absent.txt' (repro.yaml:${3 + 5 + 4 * n})`);
  }, 60_000);
});
