import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, repro, tempRepos } from '../helpers/repo.js';

/**
 * Slow (bounded: one run and one `verify --vary` of every variation, ~10-30 s): `verify --vary`
 * on real programs, each nondeterminism classified as it is, and the fixed version of each
 * deterministic. The locale case needs a locale other than C: one is generated with localedef
 * into a temp dir (LOCPATH); where that fails the case is skipped, saying why.
 */
const { repo } = tempRepos({ after: 'all' });

const PIPE = `version: 1
seed: 3
stages:
  date-bad:
    cmd: date > date-bad.txt
    outs: [date-bad.txt]
  date-good:
    cmd: LC_ALL=C date -u -d @$SOURCE_DATE_EPOCH > date-good.txt
    outs: [date-good.txt]
  tar-bad:
    cmd: tar -cf tar-bad.tar data
    deps: [data]
    outs: [tar-bad.tar]
  tar-good:
    cmd: tar --sort=name --mtime=@$SOURCE_DATE_EPOCH --owner=0 --group=0 --numeric-owner -cf tar-good.tar data
    deps: [data]
    outs: [tar-good.tar]
  gzip-bad:
    cmd: gzip -c data/words.txt > gzip-bad.gz
    deps: [data]
    outs: [gzip-bad.gz]
  gzip-good:
    cmd: gzip -n -c data/words.txt > gzip-good.gz
    deps: [data]
    outs: [gzip-good.gz]
  py-unseeded:
    cmd: python3 -c "import random; print(random.random())" > py-unseeded.txt
    outs: [py-unseeded.txt]
  py-seeded:
    cmd: python3 -c "import os, random; random.seed(int(os.environ['REPRO_SEED'])); print(random.random())" > py-seeded.txt
    outs: [py-seeded.txt]
  tz-bad:
    cmd: date -d @0 +%H > tz-bad.txt
    outs: [tz-bad.txt]
  tz-good:
    cmd: date -u -d @0 +%H > tz-good.txt
    outs: [tz-good.txt]
  host:
    cmd: hostname > host.txt
    outs: [host.txt]
  sort-bad:
    cmd: sort data/words.txt > sort-bad.txt
    deps: [data]
    outs: [sort-bad.txt]
  sort-good:
    cmd: LC_ALL=C sort data/words.txt > sort-good.txt
    deps: [data]
    outs: [sort-good.txt]
`;

let localeDir: string | null = null;
let localeWhy = '';
let classes: Record<string, { class: string | null; differs_when: string[]; error: string | null }> = {};

beforeAll(async () => {
  localeDir = mkdtempSync(join(tmpdir(), 'repro-locale-'));
  try {
    execFileSync('localedef', ['-i', 'en_US', '-f', 'UTF-8', join(localeDir, 'en_US.UTF-8')], { stdio: 'pipe' });
  } catch (e) {
    localeWhy = `localedef could not generate en_US.UTF-8: ${(e as Error).message.split('\n')[0]}`;
    rmSync(localeDir, { recursive: true, force: true });
    localeDir = null;
  }
  const dir = await repo({ 'repro.yaml': PIPE, '.gitignore': '/.repro\n', 'data/words.txt': 'b\nA\na\nB\n', 'data/more.txt': 'x\n' });
  const r = await repro(dir, 'run', '--no-record');
  expect(r.code, r.stderr).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'run');
  const saved = { LOCPATH: process.env.LOCPATH, LC_ALL: process.env.LC_ALL, LANG: process.env.LANG };
  if (localeDir) process.env.LOCPATH = localeDir;
  delete process.env.LC_ALL;
  delete process.env.LANG;
  try {
    const v = await repro(dir, 'verify', '--vary', '--json');
    const body = JSON.parse(v.stdout);
    classes = Object.fromEntries(body.vary.stages.map((s: { name: string }) => [s.name, s]));
  } finally {
    for (const [k, val] of Object.entries(saved)) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  }
}, 120_000);

afterAll(() => {
  if (localeDir) rmSync(localeDir, { recursive: true, force: true });
});

const cls = (n: string) => [classes[n]?.class, classes[n]?.differs_when ?? [], classes[n]?.error];

describe('verify --vary on real tools', () => {
  it('date: follows the clock; date -d @$SOURCE_DATE_EPOCH is deterministic', () => {
    expect(cls('date-bad')).toEqual(['environment-dependent', ['time'], null]);
    expect(cls('date-good')).toEqual(['deterministic', [], null]);
  });
  it('tar: mtimes reach the archive; --sort=name --mtime=@$SOURCE_DATE_EPOCH fixes it', () => {
    expect(cls('tar-bad')).toEqual(['environment-dependent', ['time'], null]);
    expect(cls('tar-good')).toEqual(['deterministic', [], null]);
  });
  it('gzip: the header has the time; -n fixes it', () => {
    expect(cls('gzip-bad')).toEqual(['environment-dependent', ['time'], null]);
    expect(cls('gzip-good')).toEqual(['deterministic', [], null]);
  });
  it('python random: unseeded is unstable, seeded from REPRO_SEED is seed-dependent only', () => {
    expect(cls('py-unseeded')[0]).toBe('unstable');
    expect(cls('py-seeded')).toEqual(['seed-dependent', ['seed'], null]);
  });
  it('TZ and hostname', () => {
    expect(cls('tz-bad')).toEqual(['environment-dependent', ['tz'], null]);
    expect(cls('tz-good')).toEqual(['deterministic', [], null]);
    expect(cls('host')).toEqual(['environment-dependent', ['host'], null]);
  });
  it('sort under two locales (en_US.UTF-8 generated with localedef)', (ctx) => {
    if (!localeDir) {
      console.warn(`skipped: ${localeWhy}`);
      ctx.skip();
    }
    expect(cls('sort-bad')).toEqual(['environment-dependent', ['locale'], null]);
    expect(cls('sort-good')).toEqual(['deterministic', [], null]);
  });
});
