import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { git, repro, tempRepos } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';

// A result repro calls good is good: corrupt cache objects are never served to the workspace,
// to a downstream stage, or passed by verify's data check. Each case runs against the real CLI
// in-process; objects are damaged on disk between commands, as a failing disk or a forced edit would.
const { repo } = tempRepos();

type Corruption = 'flipped byte' | 'truncated' | 'same-size garbage';
const CORRUPTIONS: Corruption[] = ['flipped byte', 'truncated', 'same-size garbage'];

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const objectPath = (d: string, hash: string): string => join(d, '.repro', 'cache', 'objects', hash.slice(0, 2), hash.slice(2));

function corrupt(path: string, how: Corruption): void {
  const data = readFileSync(path);
  chmodSync(path, 0o644);
  if (how === 'truncated') truncateSync(path, Math.max(0, data.length - 2));
  else if (how === 'flipped byte') {
    data[Math.floor(data.length / 2)]! ^= 0x01;
    writeFileSync(path, data);
  } else writeFileSync(path, Buffer.alloc(data.length, 0x78));
  chmodSync(path, 0o444);
}

function badDir(d: string): string[] {
  const p = join(d, '.repro', 'cache', 'bad');
  return existsSync(p) ? readdirSync(p) : [];
}

/** a: reads p.txt (its key changes with it); b: copies a's output, so it runs on whatever a gave it. */
const CHAIN = {
  'p.txt': '1\n',
  'repro.yaml':
    'version: 1\nstages:\n  a:\n    cmd: cat p.txt p.txt > a.txt\n    deps: [p.txt]\n    outs: [a.txt]\n' +
    '  b:\n    cmd: cat a.txt > b.txt\n    deps: [a.txt]\n    outs: [b.txt]\n',
};
const A1 = '1\n1\n';

/** A directory output, for the manifest cases. */
const DIR = {
  'repro.yaml': 'version: 1\nstages:\n  d:\n    cmd: mkdir -p out/sub && echo one > out/x && echo two > out/sub/y\n    outs: [out]\n',
};

/** The hash repro.lock records for `out` of `stage` (the first `hash:` after them). */
async function lockHash(d: string, stage: string, out: string): Promise<string> {
  const text = await read(d, 'repro.lock');
  const at = text.indexOf(`${out}:`, text.indexOf(`${stage}:`));
  return /hash: ([0-9a-f]{64}(\.dir)?)/.exec(text.slice(at))![1]!;
}

describe('checkout never serves a corrupt object', () => {
  for (const how of CORRUPTIONS) {
    it(`${how}: E_CACHE naming the output and the hash, the object moved aside, the workspace untouched`, async () => {
      const d = await repo(CHAIN);
      expect((await repro(d, 'run', '--no-record')).code).toBe(0);
      await rm(join(d, 'a.txt'));
      corrupt(objectPath(d, sha(A1)), how);
      const r = await repro(d, 'checkout');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(sha(A1));
      expect(r.stderr).toContain("'a.txt'");
      expect(r.stdout).toMatch(/^corrupt +a\.txt \(stage a\)/m);
      expect(existsSync(join(d, 'a.txt'))).toBe(false);
      expect(badDir(d)).toHaveLength(1);
      // The stage rebuilds it, and a later checkout is served the good object.
      expect((await repro(d, 'run', '--no-record')).code).toBe(0);
      await rm(join(d, 'a.txt'));
      expect((await repro(d, 'checkout')).code).toBe(0);
      expect(await read(d, 'a.txt')).toBe(A1);
    });
  }

  it('garbage manifest of the right size: reported corrupt, not "missing from the cache"', async () => {
    const d = await repo(DIR);
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    const hash = await lockHash(d, 'd', 'out');
    corrupt(objectPath(d, hash), 'same-size garbage');
    await rm(join(d, 'out'), { recursive: true });
    const r = await repro(d, 'checkout', '--json');
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body.missing).toEqual([]);
    expect(body.corrupt).toMatchObject([{ path: 'out', stage: 'd', hash, objects: [{ hash }] }]);
    // run --force stores the manifest again in place of the garbage; checkout works afterwards.
    expect((await repro(d, 'run', '--force', '--no-record')).code).toBe(0);
    await rm(join(d, 'out'), { recursive: true });
    expect((await repro(d, 'checkout')).code).toBe(0);
    expect(await read(d, 'out/sub/y')).toBe('two\n');
  });
});

describe('run --force replaces a bad object instead of keeping it', () => {
  for (const how of CORRUPTIONS) {
    it(`${how}`, async () => {
      const d = await repo(CHAIN);
      expect((await repro(d, 'run', '--no-record')).code).toBe(0);
      corrupt(objectPath(d, sha(A1)), how);
      expect((await repro(d, 'run', '--force', '--no-record')).code).toBe(0);
      expect(readFileSync(objectPath(d, sha(A1)), 'utf8')).toBe(A1);
      await rm(join(d, 'a.txt'));
      expect((await repro(d, 'checkout')).code).toBe(0);
      expect(await read(d, 'a.txt')).toBe(A1);
    });
  }
});

describe('run-cache restore: a downstream stage never runs on corrupt input', () => {
  for (const how of CORRUPTIONS) {
    it(`${how}: the stage is rebuilt instead, and says why`, async () => {
      const d = await repo(CHAIN);
      expect((await repro(d, 'run', '--no-record')).code).toBe(0);
      await writeFile(join(d, 'p.txt'), '2\n');
      expect((await repro(d, 'run', '--no-record')).code).toBe(0);
      await writeFile(join(d, 'p.txt'), '1\n'); // back to a key the run cache knows
      corrupt(objectPath(d, sha(A1)), how);
      const r = await repro(d, 'run', '--no-record', '--json');
      expect(r.code, r.stderr).toBe(0);
      const stages = JSON.parse(r.stdout).stages as { name: string; status: string; reasons: { kind: string; path?: string }[] }[];
      const a = stages.find((s) => s.name === 'a')!;
      expect(a.status).toBe('executed');
      expect(a.reasons).toContainEqual(expect.objectContaining({ kind: 'cache-corrupt', path: 'a.txt', hash: sha(A1) }));
      expect(await read(d, 'a.txt')).toBe(A1);
      expect(await read(d, 'b.txt')).toBe(A1);
      expect(await read(d, 'repro.lock')).toContain(sha(A1));
      expect(badDir(d)).toHaveLength(1);
    });
  }

  it('the run output names the reason', async () => {
    const d = await repo(CHAIN);
    await repro(d, 'run', '--no-record');
    await writeFile(join(d, 'p.txt'), '2\n');
    await repro(d, 'run', '--no-record');
    await writeFile(join(d, 'p.txt'), '1\n');
    corrupt(objectPath(d, sha(A1)), 'flipped byte');
    const s = await repro(d, 'run', '--no-record');
    expect(s.stdout + s.stderr).toContain("cached output corrupt, rebuilding: 'a.txt'");
  });
});

describe("verify's data check", () => {
  for (const how of [...CORRUPTIONS, 'garbage manifest'] as const) {
    it(`${how}: fails, naming the output, and moves nothing`, async () => {
      const d = await repo(how === 'garbage manifest' ? DIR : CHAIN);
      expect((await repro(d, 'run', '--no-record')).code).toBe(0);
      git(d, 'add', '-A');
      git(d, 'commit', '-qm', 'ran');
      const path = how === 'garbage manifest' ? 'out' : 'a.txt';
      const hash = how === 'garbage manifest' ? await lockHash(d, 'd', 'out') : sha(A1);
      corrupt(objectPath(d, hash), how === 'garbage manifest' ? 'same-size garbage' : how);
      const r = await repro(d, 'verify', '--json');
      expect(r.code).toBe(1);
      const body = JSON.parse(r.stdout);
      expect(body.data.status).toBe('fail');
      expect(body.data.outputs).toContainEqual(expect.objectContaining({ path, status: 'corrupt', hash }));
      const text = await repro(d, 'verify');
      expect(text.stdout).toMatch(/^data +FAIL/m);
      expect(text.stdout).toContain(`corrupt in the cache: '${path}'`);
      expect(badDir(d)).toEqual([]);
    });
  }
});

describe('outputs that lead out of the repository', () => {
  it('a single-file output that is a symlink out of the repository is refused, its target not stored', async () => {
    const outside = await repo({ 'secret.txt': 'not yours\n' });
    const d = await repo({
      'repro.yaml': `version: 1\nstages:\n  s:\n    cmd: ln -s ${join(outside, 'secret.txt')} out.txt\n    outs: [out.txt]\n`,
    });
    const r = await repro(d, 'run', '--no-record');
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain("output is a symlink leading outside the workspace: 'out.txt'");
    expect(existsSync(objectPath(d, sha('not yours\n')))).toBe(false);
  });
});

describe('counts in the corrupt and missing messages', () => {
  it('one corrupt output and one missing output are counted in the singular', async () => {
    const d = await repo({ 'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: echo hi > a.txt\n    outs: [a.txt]\n' });
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    corrupt(objectPath(d, sha('hi\n')), 'flipped byte');
    const v = await repro(d, 'verify', '--json');
    expect(JSON.parse(v.stdout).data.note).toMatch(/^1 recorded output corrupt in the local cache: 'a\.txt'/);
    await rm(join(d, 'a.txt'));
    await rm(objectPath(d, sha('hi\n')), { force: true });
    const c = await repro(d, 'checkout');
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/1 output missing from the cache: 'a\.txt'/);
  });
});
