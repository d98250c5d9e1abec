import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRemotesConfig, resolveRemote } from '../../src/ops/remote/config.js';
import { repro, tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

describe('remote configuration', () => {
  it('add / modify / default / list / remove keep .exprc comments and put credentials only in .exprc.local', async () => {
    const d = await repo({
      '.exprc': '# my settings\nrun:\n  jobs: 2 # two\n',
      'repro.yaml': 'stages:\n  a:\n    cmd: echo x > a.txt\n    outs: [a.txt]\n',
    });
    expect((await repro(d, 'remote', 'add', '-d', 'team', 's3://bucket/prefix')).code).toBe(0);
    expect((await repro(d, 'remote', 'add', 'nfs', '/mnt/team/cache')).code).toBe(0);
    expect((await repro(d, 'remote', 'modify', 'team', 'endpoint', 'http://127.0.0.1:7480')).code).toBe(0);
    expect((await repro(d, 'remote', 'modify', 'team', 'secret_access_key', 'S3CR3T', '--local')).code).toBe(0);
    const exprc = readFileSync(join(d, '.exprc'), 'utf8');
    expect(exprc).toContain('# my settings');
    expect(exprc).toContain('jobs: 2 # two');
    expect(exprc).not.toContain('S3CR3T');
    expect(readFileSync(join(d, '.exprc.local'), 'utf8')).toContain('S3CR3T');
    expect(await resolveRemote(d)).toMatchObject({
      name: 'team',
      url: 's3://bucket/prefix',
      endpoint: 'http://127.0.0.1:7480',
      secret_access_key: 'S3CR3T',
    });
    const list = JSON.parse((await repro(d, 'remote', 'list', '--json')).stdout);
    expect(list.default).toBe('team');
    expect(JSON.stringify(list)).not.toContain('S3CR3T');
    expect((await repro(d, 'remote', 'default', 'nfs')).code).toBe(0);
    expect((await resolveRemote(d)).name).toBe('nfs');
    expect((await repro(d, 'remote', 'remove', 'team')).code).toBe(0);
    expect(Object.keys((await readRemotesConfig(d)).remotes)).toEqual(['nfs']);
    expect(readFileSync(join(d, '.exprc.local'), 'utf8')).not.toContain('S3CR3T');
    // repro's own config reader accepts the file.
    const st = await repro(d, 'status');
    expect(st.code, st.stderr).toBe(0);
  });

  it('refuses secrets in URLs, credentials without --local, and credentials found in the committed file', async () => {
    const d = await repo({});
    for (const url of ['s3://b/p?X-Amz-Credential=AKIA/x&X-Amz-Signature=abc', 'https://user:pw@host/x', 'ftp://host/x']) {
      const r = await repro(d, 'remote', 'add', 'x', url);
      expect(r.code, url).toBe(2);
    }
    expect((await repro(d, 'remote', 'add', 'team', 's3://bucket')).code).toBe(0);
    const r = await repro(d, 'remote', 'modify', 'team', 'access_key_id', 'AKIA1', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_USAGE');
    writeFileSync(join(d, '.exprc'), 'remotes:\n  team:\n    url: s3://bucket\n    secret_access_key: oops\n');
    await expect(resolveRemote(d)).rejects.toMatchObject({ code: 'E_CONFIG' });
  });

  it('reads the older remote.url as a default remote', async () => {
    const d = await repo({ '.exprc': 'remote:\n  url: /srv/cache\n' });
    expect(await resolveRemote(d)).toMatchObject({ name: 'default', url: '/srv/cache' });
  });
});
