import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, git, repro, reproBin, tempRepos } from '../helpers/repo.js';
import { read, writeTree } from '../helpers/tree.js';
import { freshBucket, s3Env, s3Gateway, S3_ENDPOINT, S3_KEYS } from '../helpers/s3-gateway.js';
import { cloneOf as cloneIn, PIPE, producer as produce } from '../remote/fixtures.js';

const { dirs, repo } = tempRepos();
const cloneOf = (a: string): Promise<string> => cloneIn(dirs, a);

/**
 * The same round trips against a real S3 server (Ceph RGW, test/helpers/s3-gateway.ts), plus
 * what only S3 has: credentials, endpoints, buckets. Skipped, loudly, without radosgw.
 */
const up = await s3Gateway();

async function s3Producer(files: Record<string, string> = PIPE): Promise<{ a: string; bucket: string }> {
  const bucket = await freshBucket();
  const a = await produce(repo, `s3://${bucket}/cache`, files);
  expect((await repro(a, 'remote', 'modify', 'team', 'endpoint', S3_ENDPOINT)).code).toBe(0);
  git(a, 'commit', '-qam', 'endpoint');
  return { a, bucket };
}

/** Credentials through the environment (the AWS chain), as on a CI runner. */
function withEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, s3Env());
  return fn().finally(() => {
    for (const k of Object.keys(s3Env()))
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
  });
}

describe.skipIf(!up)('S3 remote (Ceph RGW)', () => {
  beforeAll(() => {
    if (!up) console.warn('S3 tests skipped: no gateway');
  });

  it('push then pull in a fresh clone, with credentials from the environment', async () => {
    await withEnv(async () => {
      const { a } = await s3Producer();
      const p = await repro(a, 'push', '--json');
      expect(p.code, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout).objects).toMatchObject({ total: 4, uploaded: 4 });
      const again = JSON.parse((await repro(a, 'push', '--json')).stdout);
      expect(again.objects).toMatchObject({ uploaded: 0, present: 4 });
      const b = await cloneOf(a);
      const r = await repro(b, 'pull', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).fetch.objects).toMatchObject({ downloaded: 4, corrupt: [], missing: [] });
      expect(await read(b, 'out/a.txt')).toBe('a hello\n');
      // gc --cloud keeps what the workspace names, and the next push re-checks after the epoch moved
      const g = JSON.parse((await repro(b, 'gc', '--cloud', '-f', '--json')).stdout);
      expect(g.cloud.removed).toEqual([]);
      expect(JSON.parse((await repro(a, 'push', '--json')).stdout).objects).toMatchObject({ uploaded: 0, present: 4 });
    });
  });

  it('run cache: a clone restores a stage seen on another machine instead of running it', async () => {
    await withEnv(async () => {
      const { a } = await s3Producer();
      expect((await repro(a, 'push', '--run-cache')).code).toBe(0);
      const b = await cloneOf(a);
      const f = await repro(b, 'fetch', '--run-cache', '--json');
      expect(f.code, f.stderr).toBe(0);
      expect(JSON.parse(f.stdout).runCache).toMatchObject({ added: 1, rejected: [] });
      const r = await repro(b, 'run', '--json', '--no-record');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).stages[0].status).toBe('restored');
      expect(await read(b, 'one.txt')).toBe('one\n');
    });
  });

  it('slow (real S3 transfers, ~10 s): a push killed with -9 completes when run again, and what was uploaded is whole', async () => {
    const many: Record<string, string> = { ...PIPE };
    many['repro.yaml'] =
      'stages:\n  make:\n    cmd: mkdir -p out && for i in $(seq 1 200); do echo "file $i" > out/f$i.txt; done\n    outs: [out/]\n';
    const { a } = await s3Producer(many);
    const env = s3Env();
    const child = spawn(process.execPath, [BIN, 'push', '-j', '2'], { cwd: a, env: { ...process.env, ...env }, stdio: 'ignore' });
    const known = (): string => {
      const dir = join(a, '.repro', 'remotes');
      if (!existsSync(dir)) return '';
      return execFileSync('sh', ['-c', `cat ${dir}/*.known 2>/dev/null || true`]).toString();
    };
    for (let i = 0; i < 400 && known().split('\n').length < 70; i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const again = await reproBin(a, ['push', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    const body = JSON.parse(again.stdout);
    expect(body.objects.uploaded + body.objects.present).toBe(201);
    const b = await cloneOf(a);
    const r = await reproBin(b, ['pull', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).fetch.objects).toMatchObject({ downloaded: 201, corrupt: [], missing: [] });
    expect(await read(b, 'out/f200.txt')).toBe('file 200\n');
  }, 60_000);

  it('a wrong secret, an unreachable endpoint and a missing bucket each exit 2 with one error line naming the remote', async () => {
    const { a, bucket } = await s3Producer();
    const wrong = await reproBin(a, ['push'], { env: { ...s3Env(), AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(new RegExp(`^error: remote 'team' \\(s3://${bucket}/cache\\): .*credentials were rejected`, 'm'));
    expect(wrong.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^hint: /m);

    expect((await repro(a, 'remote', 'modify', 'team', 'endpoint', 'http://127.0.0.1:9')).code).toBe(0);
    git(a, 'commit', '-qam', 'unreachable endpoint');
    const far = await reproBin(await cloneOf(a), ['fetch'], { env: s3Env() });
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/^error: remote 'team' .*unreachable/m);

    expect((await repro(a, 'remote', 'modify', 'team', 'endpoint', S3_ENDPOINT)).code).toBe(0);
    expect((await repro(a, 'remote', 'modify', 'team', 'url', `s3://${bucket}-gone/cache`)).code).toBe(0);
    const gone = await reproBin(a, ['push'], { env: s3Env() });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/^error: remote 'team' .*does not exist/m);
  }, 60_000);

  it('no credential reaches a committed file or any Git object', async () => {
    const { a } = await s3Producer();
    const secret = S3_KEYS.secret;
    expect((await repro(a, 'remote', 'modify', 'team', 'secret_access_key', secret)).code).toBe(2); // refused without --local
    expect((await repro(a, 'remote', 'add', 'leak', `s3://x-bucket/p?X-Amz-Credential=${secret}`)).code).toBe(2);
    expect((await repro(a, 'remote', 'add', 'leak2', `https://user:${secret}@example.com/x`)).code).toBe(2);
    expect((await repro(a, 'remote', 'modify', 'team', 'access_key_id', S3_KEYS.access, '--local')).code).toBe(0);
    expect((await repro(a, 'remote', 'modify', 'team', 'secret_access_key', secret, '--local')).code).toBe(0);
    expect(readFileSync(join(a, '.gitignore'), 'utf8')).toMatch(/^\/\.exprc\.local$/m);
    // Push with the local credentials only (no env), and run with the secret in the environment too.
    const p = await reproBin(a, ['push'], { env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } });
    expect(p.code, p.stderr).toBe(0);
    writeTree(a, { 'in.txt': 'again\n' });
    const run = await reproBin(a, ['run', '--json'], { env: { AWS_SECRET_ACCESS_KEY: secret } });
    expect(run.code, run.stderr).toBe(0);
    expect((await reproBin(a, ['push', '--run-cache'], { env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } })).code).toBe(0);
    git(a, 'add', '-A');
    git(a, 'commit', '-qm', 'after push');
    expect(git(a, 'ls-files')).not.toMatch(/exprc\.local/);
    const all = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: a, maxBuffer: 1 << 28 }).toString('latin1');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(secret);
    for (const f of git(a, 'ls-files').split('\n').filter(Boolean)) expect(readFileSync(join(a, f), 'latin1')).not.toContain(secret);
  }, 60_000);
});
