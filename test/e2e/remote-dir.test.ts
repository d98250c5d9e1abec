import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, git, repro, tempRepos } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';
import { cloneOf as cloneIn, PIPE, producer as produce } from '../remote/fixtures.js';

/** push / fetch / pull / gc through a directory remote, between two real clones. */
const { dirs, repo } = tempRepos();
const producer = (url: string): Promise<string> => produce(repo, url);
const cloneOf = (a: string): Promise<string> => cloneIn(dirs, a);

async function tmpDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-remote-'));
  dirs.push(d);
  return d;
}

describe('directory remote', () => {
  it('push, then pull in a fresh clone restores every output byte for byte', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    const p = await repro(a, 'push', '--json');
    expect(p.code, p.stderr).toBe(0);
    const body = JSON.parse(p.stdout);
    expect(body.objects).toMatchObject({ total: 4, uploaded: 4, present: 0, missingLocal: [] });
    // The remote has the local cache's layout.
    expect(readdirSync(join(remote, 'objects')).length).toBeGreaterThan(0);

    const again = JSON.parse((await repro(a, 'push', '--json')).stdout);
    expect(again.objects).toMatchObject({ uploaded: 0, present: 4 });

    const b = await cloneOf(a);
    expect(existsSync(join(b, 'one.txt'))).toBe(false);
    const r = await repro(b, 'pull', '--json');
    expect(r.code, r.stderr).toBe(0);
    const pulled = JSON.parse(r.stdout);
    expect(pulled.fetch.objects).toMatchObject({ downloaded: 4, corrupt: [], missing: [] });
    expect(pulled.checkout.restored.sort()).toEqual(['one.txt', 'out']);
    expect(await read(b, 'out/a.txt')).toBe('a hello\n');
    expect(await read(b, 'one.txt')).toBe('one\n');
    expect(readdirSync(join(b, 'out')).sort()).toEqual(['a.txt', 'run.sh']);
    expect(statSync(join(b, 'out', 'run.sh')).mode & 0o100).toBe(0o100);
    const st = await repro(b, 'status', '--json');
    expect(JSON.parse(st.stdout).clean).toBe(true);
  });

  it('fetch reports a corrupted remote object by key, keeps it out of the cache, and pull leaves the workspace without it', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    expect((await repro(a, 'push')).code).toBe(0);
    const lock = await read(a, 'repro.lock');
    const hash = /one\.txt:\n\s+hash: ([0-9a-f]{64})/.exec(lock)![1]!;
    const obj = join(remote, 'objects', hash.slice(0, 2), hash.slice(2));
    chmodSync(obj, 0o644);
    writeFileSync(obj, 'evil\n');

    const b = await cloneOf(a);
    const r = await repro(b, 'pull');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`objects/${hash.slice(0, 2)}/${hash.slice(2)}`);
    expect(r.stderr).toMatch(/^error: .*corrupt/m);
    expect(existsSync(join(b, 'one.txt'))).toBe(false);
    expect(existsSync(join(b, '.repro', 'cache', 'objects', hash.slice(0, 2), hash.slice(2)))).toBe(false);
    expect(await read(b, 'out/a.txt')).toBe('a hello\n'); // the good ones arrived
  });

  it('a remote emptied by hand is pushed to again in full: what a clone remembers of it is dropped', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    expect(JSON.parse((await repro(a, 'push', '--json')).stdout).objects).toMatchObject({ uploaded: 4 });
    // The first push gave the remote an epoch; the memory of what it holds is kept under it.
    expect(readFileSync(join(remote, 'repro-epoch'), 'utf8')).toMatch(/^[0-9a-f]{16}\n$/);
    rmSync(remote, { recursive: true, force: true });
    mkdirSync(remote);
    const again = await repro(a, 'push', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).objects).toMatchObject({ uploaded: 4, present: 0 });
    const b = await cloneOf(a);
    expect((await repro(b, 'pull')).code).toBe(0);
    expect(readFileSync(join(b, 'one.txt'), 'utf8')).toBe(readFileSync(join(a, 'one.txt'), 'utf8'));
  });

  it('ignores listing entries that are not object names (a hostile remote names no paths)', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    expect((await repro(a, 'push')).code).toBe(0);
    writeFileSync(join(remote, 'objects', '..evil'), 'x');
    writeFileSync(join(remote, 'objects', 'zz'), 'x');
    const c = await cloneOf(a);
    const r = await repro(c, 'gc', '--cloud', '-f', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cloud.removed).toEqual([]);
    expect(existsSync(join(remote, 'objects', '..evil'))).toBe(true);
  });

  it('fails with exit 2 naming the remote when its directory cannot be reached', async () => {
    const a = await producer('/nonexistent-parent/store');
    const r = await repro(a, 'push');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: remote 'team' \(\/nonexistent-parent\/store\): /m);
    expect(r.stderr).toMatch(/^hint: /m);
    // A url that goes through a file: the same, not an unexplained ENOTDIR.
    const file = join(await tmpDir(), 'a-file');
    writeFileSync(file, 'x');
    for (const url of [join(file, 'store'), file]) {
      const b = await producer(url);
      const f = await repro(b, 'push');
      expect([url, f.code]).toEqual([url, 2]);
      expect(f.stderr).toMatch(/^error: remote 'team' \(.*\): /m);
      expect(f.stderr).toMatch(/^hint: check the remote's url/m);
    }
  });

  it('says what to do when no remote is configured', async () => {
    const a = await repo(PIPE);
    const r = await repro(a, 'push');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no default remote/);
  });

  it('gc keeps what the workspace names, and with -a what branches name; refuses without -f off a TTY', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    const first = await read(a, 'repro.lock');
    git(a, 'checkout', '-qb', 'other');
    writeFileSync(join(a, 'in.txt'), 'changed\n');
    expect((await repro(a, 'run', '--no-record')).code).toBe(0);
    git(a, 'commit', '-qam', 'changed');
    git(a, 'checkout', '-q', 'main');
    expect((await repro(a, 'checkout')).code).toBe(0);
    expect(await read(a, 'repro.lock')).toBe(first);

    const refused = await repro(a, 'gc');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/local: would remove 2 objects/);
    expect(refused.stderr).toMatch(/refusing to remove 2 object/);

    const keepBranches = JSON.parse((await repro(a, 'gc', '-a', '--dry', '--json')).stdout);
    expect(keepBranches.local.removed).toEqual([]);
    const dry = JSON.parse((await repro(a, 'gc', '--dry', '--json')).stdout);
    expect(dry.local.removed.length).toBe(2); // the other branch's out/a.txt and its manifest
    const done = JSON.parse((await repro(a, 'gc', '-f', '--json')).stdout);
    expect(done.local.removed).toEqual(dry.local.removed);
    expect((await repro(a, 'status', '--json')).code).toBe(0);
    const st = JSON.parse((await repro(a, 'checkout', '--json')).stdout);
    expect(st.missing).toEqual([]);
  });

  it("sweeps a killed push's stale temp files from the directories it writes, and keeps a live one", async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    const hash = /one\.txt:\n\s+hash: ([0-9a-f]{64})/.exec(await read(a, 'repro.lock'))![1]!;
    // What a push killed between write and rename leaves: `.<name>.tmp-<pid>-<hex>` beside the object.
    const fan = join(remote, 'objects', hash.slice(0, 2));
    mkdirSync(fan, { recursive: true });
    const stale = join(fan, `.${hash.slice(2)}.tmp-99999-abcd12340`);
    const live = join(fan, `.${hash.slice(2)}.tmp-99998-abcd12341`);
    writeFileSync(stale, 'half');
    writeFileSync(live, 'half');
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, old, old);
    const p = await repro(a, 'push');
    expect(p.code, p.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(join(fan, hash.slice(2)))).toBe(true);
  });

  it('a push asks nothing, locally either, about the files of a directory the remote is known to hold', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    expect((await repro(a, 'push')).code).toBe(0);
    // A file of the directory output gone from the local cache: the remote holds it, and what is
    // known to be there is not looked up again (a no-op push of 100k files stats none of them).
    const dir = /out:\n\s+hash: ([0-9a-f]{64}\.dir)/.exec(await read(a, 'repro.lock'))![1]!;
    const member = /"hash":"([0-9a-f]{64})"/.exec(
      readFileSync(join(a, '.repro', 'cache', 'objects', dir.slice(0, 2), dir.slice(2)), 'utf8'),
    )![1]!;
    rmSync(join(a, '.repro', 'cache', 'objects', member.slice(0, 2), member.slice(2)));
    const r = await repro(a, 'push', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).objects).toMatchObject({ total: 4, uploaded: 0, present: 4, missingLocal: [] });
  });
  it('pushes objects read-only with the right mode, also from a cache object made writable', async () => {
    const remote = join(await tmpDir(), 'store');
    const a = await producer(remote);
    // A user's `chmod u+w` on a cache object: libuv's copyFile would carry 0644 over, so the
    // push must correct it (the cache's own 0444 / 0555 need no chmod).
    const one = /one\.txt:\n\s+hash: ([0-9a-f]{64})/.exec(await read(a, 'repro.lock'))![1]!;
    chmodSync(join(a, '.repro', 'cache', 'objects', one.slice(0, 2), one.slice(2)), 0o644);
    expect((await repro(a, 'push')).code).toBe(0);
    const modes = new Map<string, number>();
    for (const fan of readdirSync(join(remote, 'objects')))
      for (const n of readdirSync(join(remote, 'objects', fan))) modes.set(fan + n, statSync(join(remote, 'objects', fan, n)).mode & 0o777);
    expect(modes.size).toBe(4);
    expect(modes.get(one)).toBe(0o444);
    // run.sh is the one executable object, the other three (a.txt, one.txt, the manifest) 0444.
    expect([...modes.values()].sort()).toEqual([0o444, 0o444, 0o444, 0o555]);
  });

  it('a push killed with -9 midway leaves no partial object under its name, and the next push completes it', async () => {
    const remote = join(await tmpDir(), 'store');
    const files: Record<string, string> = {
      'repro.yaml':
        'stages:\n  many:\n    cmd: mkdir -p out && for i in $(seq 1 1500); do echo "file $i" > out/f$i.txt; done\n    outs: [out/]\n',
      '.gitignore': '.repro/\n',
    };
    const a = await produce(repo, remote, files);
    const child = spawn(process.execPath, [BIN, 'push', '-j', '2'], { cwd: a, stdio: 'ignore' });
    const exited = new Promise<void>((res) => child.on('close', () => res()));
    // Killed once some objects are on the remote (or at exit if it was faster than the poll).
    const count = (): number =>
      existsSync(join(remote, 'objects'))
        ? readdirSync(join(remote, 'objects')).reduce((n, f) => n + readdirSync(join(remote, 'objects', f)).length, 0)
        : 0;
    for (let i = 0; i < 2000 && count() < 30 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    // Whatever is under an object name is whole: every such file is a complete, read-only copy.
    const cache = join(a, '.repro', 'cache', 'objects');
    for (const fan of readdirSync(join(remote, 'objects')))
      for (const n of readdirSync(join(remote, 'objects', fan)).filter((x) => !x.startsWith('.'))) {
        expect(readFileSync(join(remote, 'objects', fan, n)).equals(readFileSync(join(cache, fan, n)))).toBe(true);
        expect(statSync(join(remote, 'objects', fan, n)).mode & 0o222).toBe(0);
      }
    const r = await repro(a, 'push', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).objects).toMatchObject({ total: 1501, missingLocal: [] });
    const b = await cloneOf(a);
    const pulled = await repro(b, 'pull', '--json');
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout).fetch.objects).toMatchObject({ downloaded: 1501, corrupt: [], missing: [] });
    expect(await read(b, 'out/f1499.txt')).toBe('file 1499\n');
  }, 60_000);
});

void readFile;
