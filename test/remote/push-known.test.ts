import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repro, tempRepos, writeFiles } from '../helpers/repo.js';
import { PIPE, producer } from './fixtures.js';

/** What push asks about, through a directory remote (src/remote/transfer.ts, ops/remote/push.ts). */
const { dirs, repo } = tempRepos();

async function store(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-pushknown-'));
  dirs.push(d);
  return join(d, 'store');
}

const manifestOf = (lockText: string): string => /hash: ([0-9a-f]{64}\.dir)/.exec(lockText)![1]!;

describe('push and what the remote is known to hold', () => {
  it('a directory known to be on the remote is not read again: neither its manifest nor its files', async () => {
    const a = await producer(repo, await store());
    const first = JSON.parse((await repro(a, 'push', '--json', '--no-runs')).stdout);
    expect(first.objects).toMatchObject({ total: 4, uploaded: 4 });
    // Gone from the local cache: a push that read the manifest would call it missing locally.
    const { readFileSync } = await import('node:fs');
    const m = manifestOf(readFileSync(join(a, 'repro.lock'), 'utf8'));
    rmSync(join(a, '.repro', 'cache', 'objects', m.slice(0, 2), m.slice(2)));
    const again = await repro(a, 'push', '--json', '--no-runs');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).objects).toMatchObject({ total: 4, uploaded: 0, present: 4, missingLocal: [] });
    // Forgetting what the remote holds makes push look again, and then it misses the manifest.
    rmSync(join(a, '.repro', 'remotes'), { recursive: true });
    const looked = JSON.parse((await repro(a, 'push', '--json', '--no-runs')).stdout);
    expect(looked.objects.missingLocal).toEqual([m]);
  });

  it("pushes the workspace lock's objects, not every run record's (--runs is about Git refs)", async () => {
    const a = await repo(PIPE);
    expect((await repro(a, 'run')).code).toBe(0); // recorded: refs/repro/runs/* names these outputs
    await writeFiles(a, { 'in.txt': 'changed\n' });
    expect((await repro(a, 'run', '--no-record')).code).toBe(0);
    expect((await repro(a, 'remote', 'add', '-d', 'team', await store())).code).toBe(0);
    git(a, 'add', '-A');
    git(a, 'commit', '-qm', 'ran');
    expect(git(a, 'for-each-ref', 'refs/repro/runs/')).not.toBe('');
    const p = await repro(a, 'push', '--json');
    expect(p.code, p.stderr).toBe(0);
    // out/a.txt, out/run.sh, out/ manifest, one.txt: the first run's a.txt and manifest stay home.
    expect(JSON.parse(p.stdout).objects).toMatchObject({ total: 4, uploaded: 4 });
  });
});
