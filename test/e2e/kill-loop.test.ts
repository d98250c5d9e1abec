import { describe, it, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, git, reproBin, tempRepos } from '../helpers/repo.js';

// SLOW (bounded): a kill -9 loop. The real binary is started on `run`, `checkout` and
// `run --seeds 1,2`, SIGKILLed after a random delay (seeded, so a failure can be replayed with the
// same KILL_LOOP_SEED), then the same command is run again. After it: every cache object hashes to
// its name, Git's objects are sound, no temp file of a dead process is left, and the workspace
// (outputs, repro.lock, .gitignore) is byte-identical to an uninterrupted run's.
// KILL_LOOP_POINTS (default 8 per command) trades time for coverage.
const { repo, dirs } = tempRepos({ after: 'all' });

const SEED = Number(process.env.KILL_LOOP_SEED ?? 20261201);
const POINTS = Number(process.env.KILL_LOOP_POINTS ?? 8);

const FILES = {
  'repro.yaml': `version: 1
seed: 1
stages:
  gen:
    cmd: ./gen.sh
    deps: [gen.sh]
    outs: [data/]
  train:
    cmd: ./train.sh
    deps: [train.sh, data/]
    outs: [model.bin]
    metrics: [metrics.json]
  report:
    cmd: ./report.sh
    deps: [report.sh, model.bin, metrics.json]
    outs: [report.txt, copy/]
`,
  'gen.sh': '#!/bin/sh\nmkdir -p data/sub\nfor i in $(seq 30); do seq $i > data/f$i.txt; seq 3 $i > data/sub/g$i.txt; done\n',
  'train.sh':
    '#!/bin/sh\ncat data/*.txt data/sub/*.txt | sort > model.bin\necho "{\\"acc\\": $REPRO_SEED, \\"n\\": $(wc -l < model.bin)}" > metrics.json\n',
  'report.sh': '#!/bin/sh\ncat model.bin metrics.json | cksum > report.txt\ncp -r data copy\n',
};

/** mulberry32: small, seeded, the same delays on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walk(dir: string, skip: (rel: string) => boolean, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix + e.name;
    if (skip(rel)) return [];
    return e.isDirectory() ? walk(join(dir, e.name), skip, rel + '/') : [rel];
  });
}

/** The workspace as path → sha256, without .git/ and .repro/. */
function workspace(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of walk(d, (rel) => rel === '.git' || rel === '.repro').sort())
    out[f] = createHash('sha256')
      .update(readFileSync(join(d, f)))
      .digest('hex');
  return out;
}

/** Cache objects whose content does not hash to their name. */
function badObjects(d: string): string[] {
  const objects = join(d, '.repro', 'cache', 'objects');
  const bad: string[] = [];
  for (const f of walk(objects, () => false)) {
    const m = /^([0-9a-f]{2})\/([0-9a-f]{62})(\.dir)?$/.exec(f);
    if (!m) {
      bad.push(`${f} (not an object name)`);
      continue;
    }
    const hash = createHash('sha256')
      .update(readFileSync(join(objects, f)))
      .digest('hex');
    if (hash !== m[1]! + m[2]!) bad.push(f);
  }
  return bad;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Temp files (repro's patterns) of processes no longer alive, anywhere in the repository. */
function deadTemps(d: string): string[] {
  return walk(d, () => false).filter((f) => {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(f) ?? /(?:^|\/)tmp_obj_(\d+)_[0-9a-f]+$/.exec(f) ?? /^\.repro\/held\/(\d+)-\d+/.exec(f);
    return m !== null && !alive(Number(m[1]));
  });
}

function copyRepo(from: string, to: string): void {
  execFileSync('cp', ['-a', `${from}/.`, to]);
}

/** Start `args`, SIGKILL it after `ms`; true when the kill landed before it exited. */
function startAndKill(d: string, args: string[], ms: number): Promise<boolean> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: d, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      res(signal === 'SIGKILL');
    });
  });
}

interface Scenario {
  name: string;
  args: string[];
  /** makes the starting state in `d` (a copy of the committed base); once, then copied */
  prepare(d: string): Promise<void>;
}

const SCENARIOS: Scenario[] = [
  { name: 'run', args: ['run'], prepare: async () => {} },
  {
    name: 'checkout',
    args: ['checkout'],
    prepare: async (d) => {
      const r = await reproBin(d, ['run', '--no-record']);
      expect(r.code, r.stderr).toBe(0);
      execFileSync('rm', ['-rf', 'data', 'copy', 'model.bin', 'report.txt'], { cwd: d });
    },
  },
  { name: 'run --seeds 1,2', args: ['run', '--seeds', '1,2'], prepare: async () => {} },
];

describe('kill -9 loop (slow, bounded)', () => {
  it(`${POINTS} random kill points each across run, checkout and a seed sweep: the next run ends byte-identical`, async () => {
    const base = await repo(FILES);
    const rand = prng(SEED);
    const tally: string[] = [];
    for (const sc of SCENARIOS) {
      const start = await repo();
      copyRepo(base, start);
      await sc.prepare(start);
      // The uninterrupted reference, and how long it takes (the range the kill points fall in).
      const ref = await repo();
      copyRepo(start, ref);
      const t0 = Date.now();
      const r = await reproBin(ref, sc.args);
      const span = Math.max(Date.now() - t0, 50);
      expect(r.code, r.stderr).toBe(0);
      const want = workspace(ref);
      expect(Object.keys(want)).toContain('repro.lock');
      let killed = 0;
      let tookOver = 0;
      let swept = 0;
      for (let i = 0; i < POINTS; i++) {
        const d = await repo();
        copyRepo(start, d);
        const ms = Math.floor(rand() * span);
        const where = `${sc.name}, point ${i} (${ms} ms of ~${span}, seed ${SEED})`;
        if (await startAndKill(d, sc.args, ms)) killed++;
        const again = await reproBin(d, sc.args);
        expect(again.code, `${where}: ${again.stderr}`).toBe(0);
        if (/stale lock/.test(again.stderr)) tookOver++;
        swept += Number(/removed (\d+) temp file/.exec(again.stderr)?.[1] ?? 0);
        expect(badObjects(d), where).toEqual([]);
        expect(workspace(d), where).toEqual(want);
        expect(deadTemps(d), where).toEqual([]);
        git(d, 'fsck', '--no-dangling', '--no-progress');
        dirs.splice(dirs.indexOf(d), 1);
        execFileSync('rm', ['-rf', d]);
      }
      tally.push(
        `${sc.name}: ${POINTS} points, ${killed} killed mid-command, ${tookOver} stale locks taken over, ${swept} temp files swept, ${POINTS} held`,
      );
    }
    console.log(`kill loop (seed ${SEED}):\n  ${tally.join('\n  ')}`);
  }, 240_000);
});
