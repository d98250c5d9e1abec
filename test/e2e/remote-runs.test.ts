import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, repro, tempRepos } from '../helpers/repo.js';
import { cloneOf as cloneIn, producer as produce } from '../remote/fixtures.js';

/** Run records through a real Git remote: a bare repository over a file path and over smart HTTP. */
const { dirs, repo } = tempRepos();

async function tmpDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-runs-'));
  dirs.push(d);
  return d;
}

function refs(dir: string, prefix = ''): string[] {
  return git(dir, 'for-each-ref', '--format=%(refname)', ...(prefix ? [prefix] : []))
    .split('\n')
    .filter(Boolean);
}

/** A producer with one recorded run, a directory cache remote and a bare Git remote 'origin'. */
async function setup(): Promise<{ a: string; bare: string; id: string }> {
  const root = await tmpDir();
  const a = await produce(repo, join(root, 'store'));
  expect((await repro(a, 'run', '--force')).code).toBe(0);
  const bare = join(root, 'origin.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  git(a, 'remote', 'add', 'origin', bare);
  const id = refs(a, 'refs/repro/runs/')[0]!.slice('refs/repro/runs/'.length);
  return { a, bare, id };
}

describe('run records through the Git remote', () => {
  it('push sends refs/repro/runs/* and nothing else; a clone fetches them with --runs-only', async () => {
    const { a, bare, id } = await setup();
    const p = await repro(a, 'push', '--json');
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).runs).toMatchObject({ gitRemote: 'origin', skipped: null, local: 1, pushed: 1, rejected: [] });
    // Only the run ref went: not the branch.
    expect(refs(bare)).toEqual([`refs/repro/runs/${id}`]);
    const again = JSON.parse((await repro(a, 'push', '--runs-only', '--json')).stdout);
    expect(again.runs).toMatchObject({ pushed: 0, upToDate: 1 });

    git(a, 'push', '-q', 'origin', 'main');
    const b = await cloneIn(dirs, bare);
    expect(refs(b, 'refs/repro/')).toEqual([]);
    const f = await repro(b, 'fetch', '--runs-only', '--json');
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout).runs).toMatchObject({ remote: 1, added: 1, unchanged: 0, conflicts: [], rejected: [] });
    expect(refs(b, 'refs/repro/')).toEqual([`refs/repro/runs/${id}`]);
    expect((await repro(b, 'log', '--all')).stdout).toContain(id);
    const f2 = JSON.parse((await repro(b, 'fetch', '--runs-only', '--json')).stdout);
    expect(f2.runs).toMatchObject({ added: 0, unchanged: 1 });
  });

  it('a fetch never overwrites a local record with another under the same name: both kept, reported; push refuses it', async () => {
    const { a, bare, id } = await setup();
    expect((await repro(a, 'run', '--force')).code).toBe(0); // a second run, which b does not clash with
    expect((await repro(a, 'push', '--json')).code).toBe(0);
    git(a, 'push', '-q', 'origin', 'main');
    const b = await cloneIn(dirs, bare);
    // b records a run of its own and (by accident or malice) names it like a's.
    expect((await repro(b, 'run', '--force', '--no-record')).code).toBe(0);
    git(b, 'update-ref', `refs/repro/runs/${id}`, 'HEAD');
    const mine = git(b, 'rev-parse', `refs/repro/runs/${id}`).trim();
    const theirs = git(a, 'rev-parse', `refs/repro/runs/${id}`).trim();
    const f = await repro(b, 'fetch', '--runs-only');
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain(`run '${id}'`);
    expect(f.stdout).toContain('run records: 1 new');
    const json = JSON.parse((await repro(b, 'fetch', '--runs-only', '--json')).stdout);
    const keptAs = `${id}.from-origin-${theirs.slice(0, 8)}`;
    expect(json.runs.conflicts).toEqual([{ id, local: mine, incoming: theirs, keptAs }]);
    expect(json.runs).toMatchObject({ remote: 2, added: 0, unchanged: 1 });
    expect(refs(b, 'refs/repro/').length).toBe(3);
    expect(git(b, 'rev-parse', `refs/repro/runs/${id}`).trim()).toBe(mine);
    expect(git(b, 'rev-parse', `refs/repro/runs/${keptAs}`).trim()).toBe(theirs);

    // Pushing b's runs: the clashing name is rejected (never forced); the kept copy is the remote's own commit.
    const p = JSON.parse((await repro(b, 'push', '--runs-only', '--json')).stdout);
    expect(p.runs.rejected.map((r: { id: string }) => r.id)).toEqual([id]);
    expect(git(bare, 'rev-parse', `refs/repro/runs/${id}`).trim()).toBe(theirs);
  });

  it('--no-runs leaves them; no origin is a skip with a reason; an unknown --git-remote is a usage error', async () => {
    const { a, bare } = await setup();
    const p = JSON.parse((await repro(a, 'push', '--no-runs', '--json')).stdout);
    expect(p.runs).toBeNull();
    expect(refs(bare)).toEqual([]);
    git(a, 'remote', 'remove', 'origin');
    const s = await repro(a, 'push');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain("run records: not pushed (no Git remote 'origin')");
    const u = await repro(a, 'fetch', '--runs-only', '--git-remote', 'nope', '--json');
    expect(u.code).toBe(2);
    expect(JSON.parse(u.stdout).error.code).toBe('E_USAGE');
  });

  it('a remote ref that is not a run id (nested name) is left out and reported', async () => {
    const { a, bare, id } = await setup();
    git(a, 'push', '-q', bare, `refs/repro/runs/${id}:refs/repro/runs/x/y`, 'main');
    const b = await cloneIn(dirs, bare);
    const f = JSON.parse((await repro(b, 'fetch', '--runs-only', '--json')).stdout);
    expect(f.runs).toMatchObject({ added: 0, rejected: ['x/y'] });
    expect(refs(b, 'refs/repro/')).toEqual([]);
  });
});

describe('over smart HTTP (git http-backend)', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    if (server?.pid) process.kill(server.pid);
  });
  const script = '/work/shared/bench/git-http-server.js';

  it.skipIf(!existsSync(script))('push and fetch run records through an http:// remote', async () => {
    const { a, bare, id } = await setup();
    const root = join(bare, '..');
    server = spawn(process.execPath, [script, root, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((res, rej) => {
      server!.stdout!.on('data', (d: Buffer) => {
        const m = /listening (http:\/\/\S+)/.exec(d.toString());
        if (m) res(m[1]!);
      });
      server!.on('exit', () => rej(new Error('git-http-server exited')));
    });
    git(a, 'remote', 'add', 'web', `${url}/origin.git`);
    const p = await repro(a, 'push', '--git-remote', 'web', '--json');
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).runs).toMatchObject({ gitRemote: 'web', pushed: 1 });
    expect(refs(bare)).toEqual([`refs/repro/runs/${id}`]);
    git(a, 'push', '-q', 'web', 'main');

    const b = await tmpDir();
    git(b, 'clone', '-q', `${url}/origin.git`, 'c');
    const f = await repro(join(b, 'c'), 'pull', '--json');
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout).fetch.runs).toMatchObject({ gitRemote: 'origin', added: 1 });
    expect(refs(join(b, 'c'), 'refs/repro/')).toEqual([`refs/repro/runs/${id}`]);
  });
});
