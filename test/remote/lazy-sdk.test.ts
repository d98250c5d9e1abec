import { describe, expect, it } from 'vitest';
import { reproBin, tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

describe('loading the AWS SDK', () => {
  it('a no-op run, status and a directory push never load @aws-sdk/client-s3', async () => {
    const d = await repo({ 'repro.yaml': 'stages:\n  a:\n    cmd: echo x > a.txt\n    outs: [a.txt]\n', '.gitignore': '.repro/\n' });
    expect((await reproBin(d, ['run', '--no-record'])).code).toBe(0);
    expect((await reproBin(d, ['remote', 'add', '-d', 'here', `${d}-remote`])).code).toBe(0);
    // --require runs first in the process: it reports every module node resolves that names the SDK.
    const probe = `const M=require('module');const o=M._resolveFilename;M._resolveFilename=function(r,...a){if(String(r).includes('@aws-sdk'))process.stderr.write('LOADED-SDK\\n');return o.call(this,r,...a)}`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${d}/.probe.cjs`, probe);
    for (const args of [['run'], ['status'], ['push']]) {
      const r = await reproBin(d, args, { env: { NODE_OPTIONS: `--require ${d}/.probe.cjs` } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, args.join(' ')).not.toContain('LOADED-SDK');
    }
    // and an S3 remote does load it (the probe can fail)
    const { execFileSync } = await import('node:child_process');
    execFileSync('node', ['bin/repro.js', '-C', d, 'remote', 'add', 's3r', 's3://bucket/p'], { cwd: process.cwd() });
    const r = await reproBin(d, ['push', '-r', 's3r'], {
      env: {
        NODE_OPTIONS: `--require ${d}/.probe.cjs`,
        AWS_ACCESS_KEY_ID: 'a',
        AWS_SECRET_ACCESS_KEY: 'b',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      },
    });
    expect(r.stderr).toContain('LOADED-SDK');
  });
});
