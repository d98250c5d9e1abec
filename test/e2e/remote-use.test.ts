import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { read, repro, tempRepos } from '../helpers/repo.js';
import { cloneOf as cloneIn, producer as produce } from '../remote/fixtures.js';

/**
 * What other commands do with the default remote: verify's data check looks there, verify
 * --rerun fetches inputs from it, run --pull restores from its run cache; a corrupt local object
 * is fetched again; a directory remote that does not exist is a remote error.
 */
const { dirs, repo } = tempRepos();
const PIPE2 = {
  'repro.yaml': [
    'stages:',
    '  prep:',
    '    cmd: mkdir -p out && printf "a %s\\n" "$(cat in.txt)" > out/a.txt && printf "one\\n" > one.txt',
    '    deps: [in.txt]',
    '    outs: [out/, one.txt]',
    '  train:',
    '    cmd: cat one.txt out/a.txt > model.txt',
    '    deps: [one.txt, out/]',
    '    outs: [model.txt]',
    '',
  ].join('\n'),
  'in.txt': 'hello\n',
  '.gitignore': '.repro/\n',
};
const cloneOf = (a: string): Promise<string> => cloneIn(dirs, a);

async function setup(): Promise<{ a: string; remote: string }> {
  const d = await mkdtemp(join(tmpdir(), 'repro-remote-'));
  dirs.push(d);
  const remote = join(d, 'store');
  const a = await produce(repo, remote, PIPE2);
  return { a, remote };
}

const hashOf = async (dir: string, path: string): Promise<string> =>
  new RegExp(`${path.replace('.', '\\.')}:\\n\\s+hash: ([0-9a-f]{64}(?:\\.dir)?)`).exec(await read(dir, 'repro.lock'))![1]!;
const objPath = (root: string, h: string): string => join(root, 'objects', h.slice(0, 2), h.slice(2));

describe('the default remote in verify, run --pull and fetch', () => {
  it("verify's data check passes when outputs are only on the remote, and fails naming stage, path and hash when one is nowhere", async () => {
    const { a, remote } = await setup();
    expect((await repro(a, 'push')).code).toBe(0);
    const b = await cloneOf(a);
    const ok = await repro(b, 'verify', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const data = JSON.parse(ok.stdout).data;
    expect(data.status).toBe('pass');
    expect(data.outputs.map((o: { status: string }) => o.status)).toEqual(['on-remote', 'on-remote', 'on-remote']);

    // A file inside the directory output gone from the remote: the directory is not restorable.
    const member = /"hash":"([0-9a-f]{64})"/.exec(readFileSync(objPath(remote, await hashOf(a, 'out')), 'utf8'))![1]!;
    rmSync(objPath(remote, member));
    const bad = await repro(b, 'verify', '--json');
    expect(bad.code).toBe(1);
    const out = JSON.parse(bad.stdout).data.outputs.find((o: { path: string }) => o.path === 'out');
    expect(out).toMatchObject({ stage: 'prep', status: 'missing', missingObject: member });
    const text = await repro(b, 'verify');
    expect(text.stdout).toMatch(/missing: 'out' \(stage prep, [0-9a-f]{64}\) is in neither the local cache nor remote 'team'/);
  });

  it('verify --rerun fetches the upstream outputs it needs from the remote', async () => {
    const { a } = await setup();
    expect((await repro(a, 'push')).code).toBe(0);
    const b = await cloneOf(a);
    const one = await hashOf(a, 'one.txt');
    expect(existsSync(objPath(join(b, '.repro', 'cache'), one))).toBe(false);
    const r = await repro(b, 'verify', '--rerun', 'train', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rerun.stages[0]).toMatchObject({ name: 'train', status: 'reproduced' });
    expect(existsSync(objPath(join(b, '.repro', 'cache'), one))).toBe(true);
  });

  it("run --pull restores a stale stage from the remote's run cache and says so", async () => {
    const { a } = await setup();
    expect((await repro(a, 'push', '--run-cache')).code).toBe(0);
    const b = await cloneOf(a);
    const r = await repro(b, 'run', '--pull', '--no-record', '--json');
    expect(r.code, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout).stages.map((s: { name: string; status: string; restored_from: string }) => [
      s.name,
      s.status,
      s.restored_from,
    ]);
    expect(st).toEqual([
      ['prep', 'restored', 'remote team'],
      ['train', 'restored', 'remote team'],
    ]);
    expect(await read(b, 'model.txt')).toBe('one\na hello\n');
    const c = await cloneOf(a);
    const text = await repro(c, 'run', '--pull', '--no-record');
    expect(text.stdout).toMatch(/^restored {2}train \(from remote team/m);
    const plain = await cloneOf(a);
    const ran = JSON.parse((await repro(plain, 'run', '--no-record', '--json')).stdout);
    expect(ran.stages.map((s: { status: string }) => s.status)).toEqual(['executed', 'executed']); // without --pull: no remote
  });

  it('fetch replaces a corrupt local object, and checkout of a corrupt one hints repro pull', async () => {
    const { a } = await setup();
    expect((await repro(a, 'push')).code).toBe(0);
    const b = await cloneOf(a);
    expect((await repro(b, 'pull')).code).toBe(0);
    const one = await hashOf(a, 'one.txt');
    const local = objPath(join(b, '.repro', 'cache'), one);
    chmodSync(local, 0o644);
    writeFileSync(local, 'bad\n');
    rmSync(join(b, 'one.txt'));
    const co = await repro(b, 'checkout');
    expect(co.code).toBe(1);
    expect(co.stderr).toMatch(/^hint: .*repro pull/m);

    writeFileSync(local, 'bad\n'); // checkout moved it aside: corrupt it again in place
    const f = await repro(b, 'fetch', '--json');
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout).objects).toMatchObject({ downloaded: 1, corrupt: [] });
    expect(readFileSync(local, 'utf8')).toBe('one\n');
    expect((await repro(b, 'checkout')).code).toBe(0);
    expect(await read(b, 'one.txt')).toBe('one\n');
  });

  it('fetch from a directory remote that does not exist is a remote error naming it', async () => {
    const { a } = await setup();
    const b = await cloneOf(a);
    const r = await repro(b, 'fetch');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: remote 'team' \(.*store\): the directory does not exist/m);
    expect(r.stderr).toMatch(/^hint: /m);
  });
});
