import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/ops/run/run.js';
import { status } from '../../src/ops/run/status.js';
import type { RunOptions, RunResult } from '../../src/model/run.js';
import { readLock, writeLock } from '../../src/lock/index.js';
import { statwalkCounters } from '../../src/cache/statwalk.js';
import { expectCode } from '../helpers/errors.js';
import { repro, tempRepos } from '../helpers/repo.js';

// The no-op summary (src/ops/run/noop.ts): a run or status that finds everything up to date
// from it must find exactly what the full evaluation finds, and every way freshness can change
// must send it back to the full evaluation.

const PIPELINE = `env:
  capture: [NOOP_T_*]
stages:
  prep:
    cmd: cp src/in.txt prep.txt
    deps: [src/in.txt]
    outs: [prep.txt]
  train:
    cmd: cat prep.txt data/*.txt > model.txt && mkdir -p out && cp prep.txt out/p.txt
    deps: [prep.txt, data]
    params: [lr]
    outs: [model.txt, out]
`;
// .exprc present: no recorded path is missing, so no signature holds the root directory's times
// (a missing path's does), and each test below sees only the change it makes.
const FILES = {
  '.exprc': 'run:\n  jobs: 1\n',
  'repro.yaml': PIPELINE,
  'src/in.txt': 'one\n',
  'params.yaml': 'lr: 1\n',
  'data/a.txt': 'a\n',
  'data/b.txt': 'b\n',
};
const SUMMARY = join('.repro', 'noop-summary.json');
const ENV = { ...process.env, NOOP_T_X: '1' };

/**
 * Wait past the racy margin: a summary trusts no timestamp within the timestamp granularity of
 * the moment its command started (50 ms here; whole-second file systems need 2 s).
 */
async function settle(dir: string): Promise<void> {
  const probe = join(dir, '.repro', 'settle-probe');
  writeFileSync(probe, '');
  const coarse = statSync(probe).mtimeMs % 1000 === 0;
  rmSync(probe);
  await new Promise((r) => setTimeout(r, coarse ? 2100 : 120));
}

interface Outcome {
  hit: boolean;
  result: RunResult;
}

async function runWith(dir: string, o: Partial<RunOptions> = {}): Promise<Outcome> {
  let hit = false;
  const result = await run({ cwd: dir, record: false, env: ENV, ...o }, { onSummary: () => (hit = true) });
  return { hit, result };
}

const statuses = (r: RunResult): Record<string, string> => Object.fromEntries(r.stages.map((s) => [s.name, s.status]));

/** A repository whose stages all ran, with a summary written by a no-op run. */
async function fresh(repo: (f: Record<string, string>) => Promise<string>): Promise<string> {
  const d = await repo(FILES);
  expect((await runWith(d)).result.ok).toBe(true);
  await settle(d);
  const first = await runWith(d);
  expect(first.hit).toBe(false);
  expect(existsSync(join(d, SUMMARY))).toBe(true);
  return d;
}

describe('the no-op summary', () => {
  const { repo, dirs } = tempRepos();

  it('answers a no-op run and status as the full evaluation does, without it', async () => {
    const d = await repo(FILES);
    await runWith(d);
    await settle(d);
    const full = await runWith(d);
    const fast = await runWith(d);
    expect(full.hit).toBe(false);
    expect(fast.hit).toBe(true);
    const strip = (r: RunResult) => r.stages.map((s) => ({ name: s.name, status: s.status, reasons: s.reasons, key: s.key, seed: s.seed }));
    expect(strip(fast.result)).toEqual(strip(full.result));
    expect(statuses(fast.result)).toEqual({ prep: 'up-to-date', train: 'up-to-date' });
    // status trusts a run's summary; `repro status` and `run --json` print the same.
    const st = await status({ cwd: d, env: ENV });
    expect(st).toMatchObject({ clean: true, stale: [], upToDate: ['prep', 'train'], frozen: [] });
    process.env.NOOP_T_X = '1'; // what ENV holds: the CLI reads process.env
    try {
      const json = JSON.parse((await repro(d, 'run', '--json', '--no-record')).stdout) as { stages: { status: string; key: string }[] };
      expect(json.stages.map((s) => [s.status, s.key])).toEqual(full.result.stages.map((s) => ['up-to-date', s.key]));
    } finally {
      delete process.env.NOOP_T_X;
    }
  });

  it('falls back when a dep changes, and says why', async () => {
    const d = await fresh(repo);
    writeFileSync(join(d, 'src', 'in.txt'), 'two\n');
    const r = await runWith(d, { dry: true });
    expect(r.hit).toBe(false);
    expect(statuses(r.result)).toEqual({ prep: 'would-run', train: 'would-run' });
    expect(r.result.stages[0]!.reasons[0]).toMatchObject({ kind: 'dep', path: 'src/in.txt' });
  });

  it('touching a dep with the same content goes the full way, which finds it fresh and writes a new summary', async () => {
    const d = await fresh(repo);
    writeFileSync(join(d, 'src', 'in.txt'), 'one\n'); // same bytes, a new ctime
    await settle(d);
    const r = await runWith(d);
    expect(r.hit).toBe(false);
    expect(statuses(r.result)).toEqual({ prep: 'up-to-date', train: 'up-to-date' });
    expect((await runWith(d)).hit).toBe(true);
  });

  it('an mtime set back by hand does not hide an edit (the ctime moves)', async () => {
    for (const f of ['src/in.txt', 'data/a.txt']) {
      const d = await repo(FILES);
      await runWith(d);
      const t = new Date(1_700_000_000_000); // whole seconds: restored exactly below
      utimesSync(join(d, f), t, t);
      await settle(d);
      await runWith(d);
      expect((await runWith(d)).hit).toBe(true);
      writeFileSync(join(d, f), readFileSync(join(d, f), 'utf8').toUpperCase()); // same size, same inode
      utimesSync(join(d, f), t, t); // same mtime: only the ctime tells
      const r = await runWith(d, { dry: true });
      expect(r.hit).toBe(false);
      expect(statuses(r.result).train).toBe('would-run');
    }
  });

  it('falls back when an output is edited or deleted, or a file appears in a directory output', async () => {
    const d = await fresh(repo);
    writeFileSync(join(d, 'model.txt'), 'edited\n');
    let r = await runWith(d, { dry: true });
    expect(r.hit).toBe(false);
    expect(r.result.stages[1]!.reasons).toContainEqual(expect.objectContaining({ kind: 'out-modified', path: 'model.txt' }));

    const e = await fresh(repo);
    rmSync(join(e, 'prep.txt'));
    r = await runWith(e, { dry: true });
    expect(r.hit).toBe(false);
    expect(r.result.stages[0]!.reasons).toContainEqual({ kind: 'out-missing', path: 'prep.txt' });

    const g = await fresh(repo);
    writeFileSync(join(g, 'out', 'extra.txt'), 'x\n');
    r = await runWith(g, { dry: true });
    expect(r.hit).toBe(false);
    expect(statuses(r.result).train).toBe('would-run');
  });

  it('a directory vouched for by its signature through the native walker: edits in place, added files and set-back mtimes are seen', async () => {
    process.env.REPRO_STATWALK = 'native';
    try {
      const d = await fresh(repo);
      const before = statwalkCounters.vouched;
      expect((await runWith(d)).hit).toBe(true);
      expect(statwalkCounters.vouched).toBeGreaterThan(before);
      const t = statSync(join(d, 'data', 'a.txt')).mtime;
      writeFileSync(join(d, 'data', 'a.txt'), 'A\n'); // same size, same inode
      utimesSync(join(d, 'data', 'a.txt'), t, t);
      let r = await runWith(d, { dry: true });
      expect(r.hit).toBe(false);
      expect(statuses(r.result).train).toBe('would-run');
      const g = await fresh(repo);
      writeFileSync(join(g, 'out', 'extra.txt'), 'x\n');
      r = await runWith(g, { dry: true });
      expect(r.hit).toBe(false);
      expect(statuses(r.result).train).toBe('would-run');
    } finally {
      delete process.env.REPRO_STATWALK;
    }
  });

  it('falls back when a file appears in a directory dep, or its mode changes', async () => {
    const d = await fresh(repo);
    writeFileSync(join(d, 'data', 'c.txt'), 'c\n');
    let r = await runWith(d, { dry: true });
    expect(r.hit).toBe(false);
    expect(statuses(r.result).train).toBe('would-run');

    const e = await fresh(repo);
    chmodSync(join(e, 'data', 'a.txt'), 0o755); // the manifest keeps the exec bit
    r = await runWith(e, { dry: true });
    expect(r.hit).toBe(false);
    expect(statuses(r.result).train).toBe('would-run');
  });

  it('falls back when a param, repro.yaml or the lock changes', async () => {
    const d = await fresh(repo);
    writeFileSync(join(d, 'params.yaml'), 'lr: 2\n');
    let r = await runWith(d, { dry: true });
    expect(r.hit).toBe(false);
    expect(r.result.stages[1]!.reasons).toContainEqual(expect.objectContaining({ kind: 'param' }));

    const e = await fresh(repo);
    writeFileSync(join(e, 'repro.yaml'), PIPELINE.replace('cp src/in.txt prep.txt', 'cp  src/in.txt prep.txt'));
    r = await runWith(e, { dry: true });
    expect(r.hit).toBe(false);
    expect(statuses(r.result).prep).toBe('would-run');

    const g = await fresh(repo);
    const lock = join(g, 'repro.lock');
    writeFileSync(lock, readFileSync(lock, 'utf8').replace(/(src\/in\.txt: )[0-9a-f]{64}/, `$1${'a'.repeat(64)}`));
    r = await runWith(g, { dry: true });
    expect(r.hit).toBe(false);
    expect(statuses(r.result).prep).toBe('would-run');
  });

  it('falls back when a captured env var changes, and holds again in the environment it was written in', async () => {
    const d = await fresh(repo);
    const other = await runWith(d, { dry: true, env: { ...ENV, NOOP_T_X: '2' } });
    expect(other.hit).toBe(false);
    expect(statuses(other.result)).toEqual({ prep: 'would-run', train: 'would-run' });
    const added = await runWith(d, { dry: true, env: { ...ENV, NOOP_T_NEW: 'y' } });
    expect(added.hit).toBe(false);
    expect((await runWith(d, { dry: true })).hit).toBe(true);
  });

  it('never trusts a file whose timestamp is not older than the command (racy)', async () => {
    const d = await repo(FILES);
    await runWith(d);
    await settle(d);
    // A dep stamped now (as if written within the same tick as the summary's stats): the full
    // evaluation finds it fresh, but no summary may vouch for it.
    const future = new Date(Date.now() + 5000);
    utimesSync(join(d, 'src', 'in.txt'), future, future);
    const r = await runWith(d);
    expect(statuses(r.result)).toEqual({ prep: 'up-to-date', train: 'up-to-date' });
    expect(existsSync(join(d, SUMMARY))).toBe(false);
    expect((await runWith(d)).hit).toBe(false);
  });

  it('is not written right after a run that changed anything, nor by one that failed', async () => {
    const d = await repo(FILES);
    await runWith(d);
    expect(existsSync(join(d, SUMMARY))).toBe(false); // stages executed
    await settle(d);
    writeFileSync(join(d, 'src', 'in.txt'), 'two\n');
    await settle(d);
    const r = await runWith(d);
    expect(statuses(r.result)).toEqual({ prep: 'executed', train: 'executed' });
    expect(existsSync(join(d, SUMMARY))).toBe(false);
  });

  it('is bypassed by --force, targets, --downstream, -S and --seed', async () => {
    const d = await fresh(repo);
    const forced = await runWith(d, { force: true });
    expect(forced.hit).toBe(false);
    expect(statuses(forced.result)).toEqual({ prep: 'executed', train: 'executed' });

    const e = await fresh(repo);
    for (const o of [
      { targets: ['prep'] },
      { targets: ['prep'], downstream: true },
      { seed: 7 },
      { overrides: ['lr=1'] },
    ] as Partial<RunOptions>[]) {
      expect((await runWith(e, { dry: true, ...o })).hit).toBe(false);
    }
    // Still valid for a plain run afterwards (none of those changed anything).
    expect((await runWith(e, { dry: true })).hit).toBe(true);
  });

  it('ignores a summary that is unreadable, of another version or malformed', async () => {
    const d = await fresh(repo);
    const file = join(d, SUMMARY);
    const good = readFileSync(file, 'utf8');
    const bad = [
      'not json{',
      JSON.stringify({ ...JSON.parse(good), v: 99 }),
      JSON.stringify({ ...JSON.parse(good), paths: 'c../outside' }),
      JSON.stringify({ ...JSON.parse(good), paths: 'crepro.yaml' }), // a path left out: the signatures' digest differs
      JSON.stringify({ ...JSON.parse(good), statuses: 'ux' }),
      JSON.stringify({ ...JSON.parse(good), keys: 'a'.repeat(64) }),
      JSON.stringify({ ...JSON.parse(good), build: 'another repro' }),
      JSON.stringify({ ...JSON.parse(good), observed: { train: { class: 'flaky', varied: [], at: null } } }),
      JSON.stringify({ ...JSON.parse(good), observed: { train: 'unstable' } }),
    ];
    for (const text of bad) {
      writeFileSync(file, text);
      const r = await runWith(d, { dry: true });
      expect(r.hit).toBe(false);
      expect(statuses(r.result)).toEqual({ prep: 'up-to-date', train: 'up-to-date' });
    }
    // A full no-op run writes a good one again.
    await runWith(d);
    expect((await runWith(d)).hit).toBe(true);
  });

  it('a run does not trust a summary written by status (status syncs no .gitignore)', async () => {
    const d = await repo(FILES);
    await runWith(d);
    writeFileSync(join(d, '.gitignore'), '');
    await settle(d);
    await status({ cwd: d, env: ENV }); // writes a summary of its own
    expect(existsSync(join(d, SUMMARY))).toBe(true);
    expect((await runWith(d, { dry: true })).hit).toBe(true);
    const r = await runWith(d);
    expect(r.hit).toBe(false);
    expect(readFileSync(join(d, '.gitignore'), 'utf8')).toContain('/model.txt');
  });

  it('keeps frozen stages and what the lock says was observed', async () => {
    const d = await repo(FILES);
    await runWith(d);
    const lock = await readLock(d);
    lock.stages.train!.observed = { class: 'seed-dependent', varied: ['seed'], at: null };
    await writeLock(d, lock);
    writeFileSync(join(d, 'repro.yaml'), PIPELINE.replace('  prep:\n', '  prep:\n    frozen: true\n'));
    await settle(d);
    const full = await status({ cwd: d, env: ENV });
    const fast = await status({ cwd: d, env: ENV });
    expect(fast).toEqual(full);
    expect(fast.frozen).toEqual(['prep']);
    expect(fast.observed).toEqual({ train: { class: 'seed-dependent', varied: ['seed'], at: null } });
    expect((await runWith(d, { dry: true })).hit).toBe(true);
  });

  it('a parent directory replaced by a symlink leading outside is refused, not taken as up to date', async () => {
    for (const moved of ['src', 'data']) {
      const d = await fresh(repo);
      const away = await mkdtemp(join(tmpdir(), 'repro-noop-away-'));
      dirs.push(away);
      // The same inodes, now outside: `src` is only a parent of a dep, `data` a dep itself.
      renameSync(join(d, moved), join(away, moved));
      symlinkSync(join(away, moved), join(d, moved));
      await expectCode(() => runWith(d, { dry: true }), 'E_PATH_ESCAPE');
    }
  });

  it('is not used by a run while a dead run left held outputs', async () => {
    const d = await fresh(repo);
    mkdirSync(join(d, '.repro', 'held'));
    expect((await runWith(d)).hit).toBe(false);
    expect(existsSync(join(d, '.repro', 'held'))).toBe(false); // the full run cleared them
  });
});

// The full evaluation hashes an output found as recorded once per command, and a downstream dep on
// it takes that hash (ops/run/evaluate.ts `settled`): only right while the output stays.
describe('outputs hashed once per command', () => {
  const { repo } = tempRepos();

  it('an always_changed stage rewrites its output, and the stage downstream sees the new content', async () => {
    const d = await repo({
      'repro.yaml': `stages:
  tick:
    cmd: echo x >> ticks.log && wc -l < ticks.log > count.txt
    always_changed: true
    outs: [count.txt]
  use:
    cmd: cp count.txt used.txt
    deps: [count.txt]
    outs: [used.txt]
`,
    });
    const first = await runWith(d);
    expect(statuses(first.result)).toEqual({ tick: 'executed', use: 'executed' });
    const second = await runWith(d);
    expect(statuses(second.result)).toEqual({ tick: 'executed', use: 'executed' });
    expect(readFileSync(join(d, 'used.txt'), 'utf8').trim()).toBe('2');
  });

  it('a dry run reports a stale downstream stage from an upstream output edited by hand', async () => {
    const d = await repo(FILES);
    await runWith(d);
    writeFileSync(join(d, 'prep.txt'), 'edited\n');
    const r = await runWith(d, { dry: true });
    expect(r.result.stages[0]!.reasons).toContainEqual(expect.objectContaining({ kind: 'out-modified', path: 'prep.txt' }));
    expect(r.result.stages[1]!.reasons).toContainEqual(expect.objectContaining({ kind: 'dep', path: 'prep.txt' }));
  });
});
