import { describe, expect, it } from 'vitest';
import { readLock } from '../../src/lock/index.js';
import { FALLBACK_EPOCH } from '../../src/ops/run/epoch.js';
import { git, read, repro, tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

const PIPE = `version: 1
stages:
  stamp:
    cmd: echo "epoch=$SOURCE_DATE_EPOCH" > out.txt
    outs: [out.txt]
`;

describe('SOURCE_DATE_EPOCH', () => {
  it('is the checked-out commit time, recorded in the lock and not in the key', async () => {
    const dir = await repo({ 'repro.yaml': PIPE, '.gitignore': '/.repro\n' });
    const t = git(dir, 'log', '-1', '--format=%ct').trim();
    expect((await repro(dir, 'run', '--no-record')).code).toBe(0);
    expect(await read(dir, 'out.txt')).toBe(`epoch=${t}\n`);
    const entry = (await readLock(dir)).stages.stamp!;
    expect(entry.source_date_epoch).toBe(Number(t));
    // A new commit changes the epoch but not the key: the stage stays up to date.
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'lock', '--date=@2000000000');
    const st = await repro(dir, 'status', '--json');
    expect(JSON.parse(st.stdout).up_to_date).toEqual(['stamp']);
    // verify --rerun re-runs with the recorded epoch, not the new commit's: reproduced.
    const v = await repro(dir, 'verify', '--rerun', '--json');
    expect(JSON.parse(v.stdout).rerun.stages[0].status).toBe('reproduced');
  });

  it('falls back to 1980-01-01 before the first commit, and an exported value wins', async () => {
    const dir = await repo({ 'repro.yaml': PIPE }, { commit: false });
    expect((await repro(dir, 'run', '--no-record')).code).toBe(0);
    expect(await read(dir, 'out.txt')).toBe(`epoch=${FALLBACK_EPOCH}\n`);
    process.env.SOURCE_DATE_EPOCH = '1234567890';
    try {
      expect((await repro(dir, 'run', '--no-record', '--force')).code).toBe(0);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
    expect(await read(dir, 'out.txt')).toBe('epoch=1234567890\n');
  });

  it('is not given when .exprc turns it off', async () => {
    const dir = await repo({ 'repro.yaml': PIPE, '.exprc': 'run:\n  source_date_epoch: false\n' });
    expect((await repro(dir, 'run', '--no-record')).code).toBe(0);
    expect(await read(dir, 'out.txt')).toBe('epoch=\n');
    expect((await readLock(dir)).stages.stamp!.source_date_epoch).toBeUndefined();
  });
});
