import { existsSync, statSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig, readConfig } from '../../src/config/config.js';
import { repro, tempRepos } from '../helpers/repo.js';
import { reproError } from '../helpers/errors.js';

/** The ReproError of parsing `text` as .exprc: code, "file:line:col", message, hint. */
function configError(text: string) {
  const e = reproError(() => parseConfig(text));
  return { code: e.code, at: e.pos && `${e.pos.file}:${e.pos.line}:${e.pos.col}`, message: e.message, hint: e.hint };
}

describe('.exprc', () => {
  it('reads every key, and defaults for what is absent', () => {
    expect(parseConfig('')).toEqual(defaultConfig());
    expect(parseConfig('run:\n  jobs: 4\n  record: false\ncache:\n  link: hardlink, copy\nenv:\nremote: {url: /srv/cache}\n')).toEqual({
      ...defaultConfig(),
      run: { jobs: 4, record: false, source_date_epoch: true },
      cache: { dir: '.repro/cache', link: ['hardlink', 'copy'] },
      remote: { url: '/srv/cache', default: null },
    });
  });

  it('names .exprc:LINE:COL for a bad value', () => {
    expect(configError('cache:\n  dir: x\nrun:\n  jobs: 0\n')).toMatchObject({
      code: 'E_CONFIG',
      at: '.exprc:4:9',
      message: ".exprc:4:9: invalid value for 'run.jobs' (expected a positive integer): '0'",
      hint: expect.stringContaining('.exprc.example'),
    });
    expect(configError('cache:\n  link: [reflink, zip]\n')).toMatchObject({ code: 'E_CONFIG', at: '.exprc:2:19' });
    expect(configError('run:\n  record: maybe\n')).toMatchObject({ code: 'E_CONFIG', at: '.exprc:2:11' });
    expect(configError('run: 3\n')).toMatchObject({ code: 'E_CONFIG', at: '.exprc:1:6' });
    expect(configError('- a\n')).toMatchObject({ code: 'E_CONFIG', at: '.exprc:1:1' });
  });

  it('reports an unknown key with the nearest valid one', () => {
    expect(configError('rnu: 1\n')).toMatchObject({ code: 'E_UNKNOWN_KEY', at: '.exprc:1:1', hint: "did you mean 'run'?" });
    expect(configError('rnu: 1\n').message).toContain("unknown key 'rnu'");
    expect(configError('run:\n  job: 2\n')).toMatchObject({ code: 'E_UNKNOWN_KEY', at: '.exprc:2:3', hint: "did you mean 'run.jobs'?" });
    expect(configError('jobs: 2\n')).toMatchObject({ code: 'E_UNKNOWN_KEY', hint: "did you mean 'run.jobs'?" });
    expect(configError('zzzzzz: 1\n').hint).toContain('known keys: cache.dir');
  });

  it.each([
    ['run:\n  jobs: 2\n\trecord: true\n', '.exprc:3:1', /tab/],
    ['run:\n  jobs: 2\nremote:\n  url: [x\n', '.exprc:4:8', /'\[' is not closed/],
    ['run:\n  jobs: 2\n  jobs: 3\n', '.exprc:3:3', /duplicate key 'jobs'/],
    ['run: {jobs: 2}\n---\nrun: {jobs: 3}\n', '.exprc:2:1', /holds more than one YAML document/],
  ])('reports a YAML syntax error at its line:col with a hint: %j', (text, at, message) => {
    const e = configError(text);
    expect(e.code).toBe('E_YAML');
    expect(e.at).toBe(at);
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
  });

  describe('on disk', () => {
    const dirs: string[] = [];
    afterEach(async () => {
      while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
    });

    it('rejects bytes that are not UTF-8, at their line:col', async () => {
      const root = await mkdtemp(join(tmpdir(), 'repro-config-'));
      dirs.push(root);
      await writeFile(join(root, '.exprc'), Buffer.from('run:\n  jobs: 2\nenv:\n  tools: ["caf\xe9"]\n', 'latin1'));
      const e = await readConfig(root).catch((err: unknown) => err);
      expect(e).toMatchObject({ code: 'E_CONFIG', pos: { file: '.exprc', line: 4, col: 15 } });
      expect((e as Error).message).toContain('is not valid UTF-8');
    });
  });

  it('exits 2 through the CLI, naming the position', async () => {
    const { repo } = tempRepos();
    const dir = await repo({ '.exprc': 'run:\n  job: 2\n', 'repro.yaml': 'stages: {}\n' });
    const r = await repro(dir, 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".exprc:2:3: unknown key 'run.job' in .exprc");
    expect(r.stderr).toContain("did you mean 'run.jobs'?");
  });
});

describe('cache.dir', () => {
  const { repo, dirs } = tempRepos();

  it('refuses a relative path that leaves the repository, at its line', () => {
    for (const dir of ['../x', 'a/../../x', '..']) {
      const e = configError(`cache:\n  dir: ${dir}\n`);
      expect(e.code).toBe('E_CONFIG');
      expect(e.at).toBe('.exprc:2:8');
      expect(e.message).toContain('leaves the repository');
    }
    expect(parseConfig('cache:\n  dir: ./shared/../cache/\n').cache.dir).toBe('cache');
  });

  it('an absolute cache.dir is used as is (not re-rooted in the repository) and made group-writable', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'repro-shared-cache-'));
    dirs.push(shared);
    const cacheDir = join(shared, 'team', 'cache');
    const d = await repo({
      '.exprc': `cache:\n  dir: ${cacheDir}\n`,
      'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n',
    });
    const r = await repro(d, 'run', '--no-record');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cacheDir, 'objects'))).toBe(true);
    expect(statSync(join(cacheDir, 'objects')).mode & 0o7777).toBe(0o2775);
    expect(existsSync(join(d, cacheDir.slice(1)))).toBe(false);
  });

  it("a '..' cache.dir fails the run with E_CONFIG and creates nothing outside", async () => {
    const name = `escaped-cache-${process.pid}-${Date.now()}`;
    const d = await repo({
      '.exprc': `cache:\n  dir: ../${name}\n`,
      'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n',
    });
    const r = await repro(d, 'run', '--no-record', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_CONFIG');
    expect(existsSync(join(d, '..', name))).toBe(false);
  });
});
