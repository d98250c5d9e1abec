import { appendFileSync, chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repro, tempRepos } from '../helpers/repo.js';
import { producer as produce } from '../remote/fixtures.js';

/** Remote edge cases: a bad local run-cache entry, verify with an unreachable remote, a Git origin that refuses. */
const { dirs, repo } = tempRepos();
const producer = (url: string): Promise<string> => produce(repo, url);
async function tmpDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-remote-'));
  dirs.push(d);
  return d;
}

describe('push --run-cache', () => {
  it('skips, with a warning, journal entries that are malformed, and uploads the good ones', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    const good = '0'.repeat(64);
    const hash = 'a'.repeat(64);
    const line = (k: unknown, o: unknown): string => JSON.stringify({ k, o }) + '\n';
    appendFileSync(
      join(a, '.repro', 'runcache.jsonl'),
      line('not-a-key', { 'x.txt': { hash, size: 1 } }) +
        line('1'.repeat(64), { '../escape.txt': { hash, size: 1 } }) +
        line('2'.repeat(64), { '.git/hooks/post-checkout': { hash, size: 1 } }) +
        line('3'.repeat(64), { 'x.txt': { hash: 'zz', size: 1 } }) +
        line('4'.repeat(64), { 'x.txt': { hash, size: -1 } }) +
        line('5'.repeat(64), ['x.txt']) +
        line(good, {}),
    );
    const r = await repro(a, 'push', '--run-cache', '--no-runs', '--json');
    expect(r.code, r.stderr).toBe(0);
    const rc = JSON.parse(r.stdout).runCache;
    expect(rc.skipped.map((s: { key: string }) => s.key)).toEqual(['not-a-key', ...'12345'.split('').map((c) => c.repeat(64))]);
    // The stage's own entry and the good empty one go up; nothing of the bad ones does.
    expect(rc.uploaded).toBe(2);
    expect(readdirSync(join(remote, 'runcache')).length).toBe(2);
    const text = await repro(a, 'push', '--run-cache', '--no-runs');
    expect(text.stderr).toContain("warning: run-cache entry '1111");
    expect(text.stderr).toContain("'../escape.txt'");
    expect(existsSync(join(remote, 'objects', 'aa'))).toBe(false);
  });

  it('uploads only the fields an entry is made of: an extra field in a journal line stays local', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    const journal = join(a, '.repro', 'runcache.jsonl');
    const own = JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]!) as { o: Record<string, object> };
    const o = Object.fromEntries(Object.entries(own.o).map(([p, v]) => [p, { ...v, note: 'ghp_planted' }]));
    appendFileSync(journal, JSON.stringify({ k: '6'.repeat(64), o, extra: 'ghp_planted' }) + '\n');
    const r = await repro(a, 'push', '--run-cache', '--no-runs', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).runCache.skipped).toEqual([]);
    const bodies = readdirSync(join(remote, 'runcache'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
    expect(bodies.some((b) => b.includes('6'.repeat(64)))).toBe(true);
    expect(bodies.join('')).not.toContain('ghp_planted');
  });
});

describe('verify with an unreachable default remote', () => {
  it('judges the data check from the local cache alone when it holds everything, else fails it as not judged, naming the remote', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    // The default remote: S3 on a closed port (nothing listens on 9: the discard port).
    for (const args of [
      ['remote', 'add', '-d', 'far', 's3://bucket/cache'],
      ['remote', 'modify', 'far', 'endpoint', 'http://127.0.0.1:9'],
      ['remote', 'modify', 'far', 'access_key_id', 'a', '--local'],
      ['remote', 'modify', 'far', 'secret_access_key', 'b', '--local'],
    ])
      expect((await repro(a, ...args)).code).toBe(0);
    const local = await repro(a, 'verify', '--json');
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout).data.status).toBe('pass');

    rmSync(join(a, '.repro', 'cache'), { recursive: true, force: true });
    const r = await repro(a, 'verify', '--json');
    expect(r.code, r.stderr).toBe(1); // a failed check, not an error (2)
    const body = JSON.parse(r.stdout);
    expect(body.data.status).toBe('fail');
    expect(body.data.note).toMatch(/^cannot be judged: .*remote 'far' \(s3:\/\/bucket\/cache\) could not be read \(.*unreachable/);
    expect(new Set(body.data.outputs.map((o: { status: string }) => o.status))).toEqual(new Set(['unknown']));
    expect(body.freshness.status).toBe('pass'); // the rest is judged
    const text = await repro(a, 'verify');
    expect(text.code).toBe(1);
    expect(text.stdout).not.toContain('is in neither');
    expect(text.stdout).toContain('cannot be judged');
  }, 60_000);
});

describe('push to a Git origin that refuses the run records', () => {
  async function setup(): Promise<{ a: string; bare: string }> {
    const root = await tmpDir();
    const a = await producer(join(root, 'store'));
    expect((await repro(a, 'run', '--force')).code).toBe(0); // one run record
    const bare = join(root, 'origin.git');
    git(root, 'init', '-q', '--bare', bare);
    git(a, 'remote', 'add', 'origin', bare);
    return { a, bare };
  }

  it('says the objects were pushed and the runs were not when Git cannot push at all, with the way on', async () => {
    const { a } = await setup();
    // A read-only server: the push connection itself is refused (as a read-only HTTPS mirror would).
    git(a, 'config', 'remote.origin.receivepack', 'sh -c "echo read-only >&2; exit 1"');
    const r = await repro(a, 'push');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: the objects were pushed to remote 'team' \(\d+ uploaded, 0 already there\), the run records were not: git push/m,
    );
    expect(r.stderr).toMatch(/^hint: .*--runs-only.*--no-runs/m);
    const again = await repro(a, 'push', '--no-runs', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).objects.uploaded).toBe(0); // they were up already
  });

  it('warns, with the same hint, when a pre-receive hook declines every run', async () => {
    const { a, bare } = await setup();
    writeFileSync(join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho no >&2\nexit 1\n');
    chmodSync(join(bare, 'hooks', 'pre-receive'), 0o755);
    const r = await repro(a, 'push');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: run '.+' not pushed: \(pre-receive hook declined\)/);
    expect(r.stderr).toMatch(/^hint: the objects were pushed; the run records were not/m);
  });
});
