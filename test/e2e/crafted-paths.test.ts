import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { git, repro, reproBin, tempRepos } from '../helpers/repo.js';
import { newRunId } from '../../src/record/index.js';

// Crafted locks, records and trees against replay, verify --rerun and checkout: nothing read from
// them makes repro write outside the repository or its isolated copy (issue 9, items 7, 9, 10).
//
// TMPDIR is a private directory for this file (pool: forks), so the repositories, the isolated
// copies and anything that would escape them all land in BASE, which is listed before and after.

let BASE = '';
const savedTmp = process.env.TMPDIR;
beforeAll(async () => {
  BASE = await realpath(await mkdtemp(join(tmpdir(), 'repro-crafted-')));
  process.env.TMPDIR = BASE;
});
afterAll(async () => {
  process.env.TMPDIR = savedTmp;
  if (savedTmp === undefined) delete process.env.TMPDIR;
  await rm(BASE, { recursive: true, force: true });
});
const { repo } = tempRepos();

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Every path under BASE outside the repository `d` (whose parent is BASE): what must not change. */
function outside(d: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const abs = join(dir, e.name);
      if (abs === d) return [];
      const rel = relative(BASE, abs);
      return e.isDirectory() && !e.isSymbolicLink() ? [rel + '/', ...walk(abs)] : [rel];
    });
  return walk(BASE).sort();
}

const PIPE = {
  'in.txt': 'b\na\n',
  '.gitignore': 'data/\npayload.txt\n',
  'repro.yaml': `version: 1
stages:
  prep:
    cmd: sort in.txt > out.txt
    deps: [in.txt]
    outs: [out.txt]
`,
};

/** A repository with one recorded run; returns the repo and the run's id. */
async function recorded(files: Record<string, string> = PIPE): Promise<{ d: string; id: string }> {
  const d = await repo(files);
  const r = await repro(d, 'run', '--json');
  expect(r.code, r.stderr).toBe(0);
  return { d, id: JSON.parse(r.stdout).run_id };
}

interface TreeEdit {
  path: string;
  /** File content; with mode 120000, the symlink target. Null removes the path. */
  content: string | null;
  mode?: '100644' | '120000';
}

/**
 * A new run ref whose tree is run `id`'s with `edits` applied (git plumbing, a private index):
 * what anyone could push as refs/repro/runs/<new id>.
 */
function craftRun(d: string, id: string, edits: TreeEdit[]): string {
  const index = join(BASE, `index-${process.pid}-${Math.random().toString(16).slice(2)}`);
  const g = (args: string[], input?: string) =>
    execFileSync('git', args, { cwd: d, input, env: { ...process.env, GIT_INDEX_FILE: index }, stdio: ['pipe', 'pipe', 'pipe'] })
      .toString()
      .trim();
  const commit = g(['rev-parse', `refs/repro/runs/${id}`]);
  g(['read-tree', commit]);
  for (const e of edits) {
    if (e.content === null) g(['update-index', '--force-remove', e.path]);
    else g(['update-index', '--add', '--cacheinfo', `${e.mode ?? '100644'},${g(['hash-object', '-w', '--stdin'], e.content)},${e.path}`]);
  }
  const tree = g(['write-tree']);
  execFileSync('rm', ['-f', index]);
  return pushRun(d, tree, g(['rev-parse', `${commit}^`]));
}

function pushRun(d: string, tree: string, parent: string): string {
  const other = newRunId();
  const c = git(d, 'commit-tree', tree, '-p', parent, '-m', 'crafted').trim();
  git(d, 'update-ref', `refs/repro/runs/${other}`, c);
  return other;
}

const runFile = (d: string, id: string, path: string) => git(d, 'show', `refs/repro/runs/${id}:${path}`);

/** The run's lock with `edit` applied to the text. */
function lockEdit(d: string, id: string, edit: (t: string) => string): TreeEdit {
  const text = runFile(d, id, 'repro.lock');
  const out = edit(text);
  expect(out).not.toBe(text);
  return { path: 'repro.lock', content: out };
}

/** Add a dep to stage prep's lock entry (the pipeline does not declare it: only the lock does). */
const addDep = (dep: string, hash: string) => (t: string) => t.replace('    deps:\n', `    deps:\n      ${JSON.stringify(dep)}: ${hash}\n`);

async function replayJson(d: string, id: string, ...args: string[]) {
  const r = await repro(d, 'replay', '--json', id, ...args);
  return { code: r.code, body: JSON.parse(r.stdout), stderr: r.stderr };
}

describe('replay of a crafted run ref', () => {
  it("a lock dep '../<repo>/payload.txt' is refused before anything is copied (real binary, --keep)", async () => {
    const { d, id } = await recorded();
    await writeFile(join(d, 'payload.txt'), 'secret\n'); // untracked, matches the crafted lock
    // Replaying in BASE/k/r, the dep would resolve to BASE/k/<repo>/payload.txt: outside the copy.
    const bad = craftRun(d, id, [lockEdit(d, id, addDep(`../${basename(d)}/payload.txt`, sha('secret\n')))]);
    const before = outside(d);
    const keep = join(BASE, 'k', 'r');
    const r = await reproBin(d, ['replay', '--json', bad, '--keep', keep]);
    expect(existsSync(join(BASE, 'k', basename(d), 'payload.txt'))).toBe(false);
    expect(outside(d)).toEqual(before);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'E_PATH_ESCAPE',
      message: expect.stringContaining(`'../${basename(d)}/payload.txt'`),
    });
  });

  it.each([
    ['an absolute dep', (d: string) => addDep(join(d, 'payload.txt'), sha('x'))],
    ['a dep a/../../x', () => addDep('a/../../x.txt', sha('x'))],
    ['a params file ../p.yaml', () => (t: string) => t.replace('    params: {}\n', '    params:\n      ../p.yaml: {}\n')],
    ['an output /abs', () => (t: string) => t.replace('      out.txt: out\n', '      out.txt: out\n      /tmp/x: out\n')],
    ['wdir: ..', () => (t: string) => t.replace(/ {4}wdir: .*\n/, '    wdir: ..\n')],
  ])('%s in the lock: exit 2, E_PATH_ESCAPE, nothing written outside', async (_, edit) => {
    const { d, id } = await recorded();
    const bad = craftRun(d, id, [lockEdit(d, id, edit(d))]);
    const before = outside(d);
    const r = await replayJson(d, bad);
    expect(outside(d)).toEqual(before);
    expect(r.code, r.stderr).toBe(2);
    expect(r.body.error.code).toBe('E_PATH_ESCAPE');
    expect(r.body.error.message).toContain(`${bad}:repro.lock`);
  });

  it('wdir: .. with a command that writes where it runs: refused, the command never runs (real binary)', async () => {
    const { d, id } = await recorded();
    const marker = `marker-${process.pid}.txt`;
    const bad = craftRun(d, id, [
      lockEdit(d, id, (t) => t.replace(/ {4}wdir: .*\n/, '    wdir: ..\n').replace('sort in.txt > out.txt', `echo ran > ${marker}`)),
    ]);
    const r = await reproBin(d, ['replay', bad]);
    expect(existsSync(join(BASE, marker))).toBe(false);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error: .*unsafe path in .*wdir: '\.\.'/);
  });

  it('a dep under a symlinked parent in the snapshot (data -> ..) is neither hashed nor written through (real binary)', async () => {
    const { d, id } = await recorded();
    const name = `u-${process.pid}.csv`;
    await mkdir(join(d, 'data'));
    await writeFile(join(d, 'data', name), 'rows\n'); // untracked (data/ is ignored)
    const bad = craftRun(d, id, [lockEdit(d, id, addDep(`data/${name}`, sha('rows\n'))), { path: 'data', content: '..', mode: '120000' }]);
    const before = outside(d);
    const r = await reproBin(d, ['replay', '--json', bad]);
    expect(existsSync(join(BASE, name))).toBe(false);
    expect(outside(d)).toEqual(before);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_PATH_ESCAPE');
  });

  it('a snapshot whose .repro is a symlink out: it is dropped, logs and memos stay in the copy', async () => {
    const { d, id } = await recorded();
    const trap = join(BASE, `trap-${process.pid}`);
    await mkdir(trap);
    const bad = craftRun(d, id, [{ path: '.repro', content: `../${basename(trap)}`, mode: '120000' }]);
    const r = await replayJson(d, bad);
    expect(r.code, r.stderr).toBe(0);
    expect(r.body.ok).toBe(true);
    expect(readdirSync(trap)).toEqual([]);
  });

  it('duplicate entries: outputs inside each other in the lock (E_CONFIG), a key twice (E_YAML), a name twice in the tree (E_GIT)', async () => {
    const { d, id } = await recorded();
    const nested = craftRun(d, id, [
      lockEdit(d, id, (t) => t.replace('      out.txt: out\n', '      out.txt: out\n      out.txt/x: out\n')),
    ]);
    expect((await replayJson(d, nested)).body.error.code).toBe('E_CONFIG');
    const twice = craftRun(d, id, [
      lockEdit(d, id, (t) => t.replace('      out.txt: out\n', '      out.txt: out\n      "out.txt": metric\n')),
    ]);
    expect((await replayJson(d, twice)).body.error.code).toBe('E_YAML');
    // A tree listing in.txt twice (git fsck's duplicateEntries), written with git hash-object --literally.
    const commit = git(d, 'rev-parse', `refs/repro/runs/${id}`).trim();
    const raw = execFileSync('git', ['cat-file', 'tree', `${commit}^{tree}`], { cwd: d });
    const at = raw.indexOf(Buffer.from('100644 in.txt\0'));
    const entryBytes = raw.subarray(at, at + '100644 in.txt\0'.length + 20);
    const dup = Buffer.concat([raw.subarray(0, at), entryBytes, raw.subarray(at)]);
    const tree = execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { cwd: d, input: dup })
      .toString()
      .trim();
    const dupRun = pushRun(d, tree, git(d, 'rev-parse', `${commit}^`).trim());
    const r = await replayJson(d, dupRun);
    expect(r.code).toBe(2);
    expect(r.body.error).toMatchObject({ code: 'E_GIT', message: expect.stringContaining('duplicate entry in git tree') });
  });

  it('a record with an escaping path is malformed (E_RECORD) for replay; log lists the run with its error and goes on', async () => {
    const { d, id } = await recorded();
    const rec = JSON.parse(runFile(d, id, '.repro-run/record.json'));
    rec.stages.prep.outs = { '../../escape.txt': rec.stages.prep.outs['out.txt'] };
    const bad = craftRun(d, id, [{ path: '.repro-run/record.json', content: JSON.stringify(rec, null, 2) }]);
    const r = await replayJson(d, bad);
    expect(r.code).toBe(2);
    expect(r.body.error).toMatchObject({ code: 'E_RECORD', message: expect.stringContaining('unsafe path in run') });
    const log = await repro(d, 'log', '--all', '--json');
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain(bad);
    expect(log.stdout).toContain(id);
  });
});

describe('replay and verify --rerun: a missing or different input is never "reproduced"', () => {
  // The command tolerates a missing input, so its output is the same either way.
  const TOLERANT = {
    '.gitignore': 'in.txt\n',
    'in.txt': 'data\n',
    'repro.yaml': `version: 1
stages:
  prep:
    cmd: "cat in.txt > /dev/null 2>&1; echo fixed > out.txt"
    deps: [in.txt]
    outs: [out.txt]
`,
  };

  it('replay: an untracked dep withheld from the snapshot (it holds a credential) and gone from the workspace: NOT reproduced, naming the input', async () => {
    // Untracked deps go into the snapshot, unless the secret screen withholds them: then the
    // snapshot lacks the input, and replay must not call the run reproduced.
    const secret = `token=ghp_${'Zq7Lm2Xv9Rt4Wb6Yc1Nd8Kf3Hs5Jp0Ga2Ue4'}\n`;
    const { d, id } = await recorded({ ...TOLERANT, 'in.txt': secret });
    expect(git(d, 'ls-files')).not.toContain('in.txt');
    expect(git(d, 'ls-tree', '-r', '--name-only', `refs/repro/runs/${id}`)).not.toContain('in.txt');
    await rm(join(d, 'in.txt'));
    const j = await replayJson(d, id);
    expect(j.code).toBe(1);
    expect(j.body.ok).toBe(false);
    expect(j.body.outputs.map((o: any) => o.outcome)).toEqual(['identical']);
    expect(j.body.stages[0].input_changes).toEqual([{ path: 'in.txt', expected: sha(secret), actual: null }]);
    const t = await repro(d, 'replay', id);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain("NOT reproduced (inputs are not the recorded ones: 'in.txt' missing)");
    // Other content in the workspace is not copied in either: still missing, still not reproduced.
    await writeFile(join(d, 'in.txt'), 'other\n');
    expect((await replayJson(d, id)).body.ok).toBe(false);
  });

  it.each([[['--rerun']], [['--rerun', '--sample', '1', '--sample-seed', '3']]])(
    'verify %j: not-reproduced, with the input named',
    async (args) => {
      const d = await repo(TOLERANT);
      expect((await repro(d, 'run', '--no-record')).code).toBe(0);
      git(d, 'add', '-A');
      git(d, 'commit', '-qm', 'ran');
      await rm(join(d, 'in.txt'));
      const j = await repro(d, 'verify', '--json', ...args);
      expect(j.code).toBe(1);
      const st = JSON.parse(j.stdout).rerun.stages[0];
      expect(st).toMatchObject({
        name: 'prep',
        status: 'not-reproduced',
        input_changes: [{ path: 'in.txt', expected: sha('data\n'), actual: null }],
      });
      expect(st.outputs.map((o: any) => o.status)).toEqual(['identical']);
      const t = await repro(d, 'verify', ...args);
      expect(t.stdout).toContain(`prep: not reproduced: input 'in.txt' missing (the lock has ${sha('data\n').slice(0, 8)})`);
    },
  );
});

describe("verify --rerun with a crafted repro.lock (the pull request's own)", () => {
  it.each([
    ['a dep ../x', () => addDep('../x/payload.txt', sha('x'))],
    ['wdir: ..', () => (t: string) => t.replace(/ {4}wdir: .*\n/, '    wdir: ..\n')],
  ])('%s: exit 2, E_PATH_ESCAPE, nothing written outside', async (_, edit) => {
    const d = await repo(PIPE);
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    await writeFile(join(d, 'repro.lock'), edit()(await readText(d, 'repro.lock')));
    const before = outside(d);
    const r = await reproBin(d, ['verify', '--rerun', '--json']);
    expect(outside(d)).toEqual(before);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_PATH_ESCAPE');
  });

  it('a committed symlink data -> .. and a lock dep under it: refused in the isolated copy', async () => {
    const d = await repo(PIPE);
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    const name = `v-${process.pid}.csv`;
    await writeFile(join(d, 'repro.lock'), addDep(`link/${name}`, sha('rows\n'))(await readText(d, 'repro.lock')));
    execFileSync('ln', ['-s', '..', join(d, 'link')]);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'pr');
    const before = outside(d);
    const r = await repro(d, 'verify', '--rerun', '--json');
    expect(outside(d)).toEqual(before);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_PATH_ESCAPE');
  });
});

describe('checkout with a crafted lock', () => {
  it("an output '../x' in repro.lock: exit 2, E_PATH_ESCAPE, nothing written", async () => {
    const d = await repo(PIPE);
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    const text = await readText(d, 'repro.lock');
    await writeFile(join(d, 'repro.lock'), text.replace(/out_hashes:\n {6}out\.txt:/, `out_hashes:\n      ../${basename(d)}-x/out.txt:`));
    const before = outside(d);
    const r = await repro(d, 'checkout', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_PATH_ESCAPE');
    expect(outside(d)).toEqual(before);
    expect(existsSync(join(dirname(d), `${basename(d)}-x`))).toBe(false);
  });
});

async function readText(d: string, p: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(join(d, p), 'utf8');
}

describe('directory outputs: crafted manifests and symlinks inside an output in the snapshot', () => {
  const DIRS = {
    'repro.yaml': `version: 1
stages:
  prep:
    cmd: mkdir -p outdir/sub && echo a > outdir/sub/x.txt
    outs: [outdir/]
  train:
    cmd: cat outdir/sub/x.txt > model.txt
    deps: [outdir/]
    outs: [model.txt]
`,
  };

  /** Store `entries` as a manifest object in the repo's cache; returns its hash. */
  async function plantManifest(d: string, entries: { path: string; content: string }[]): Promise<string> {
    const put = async (name: string, content: string) => {
      const p = join(d, '.repro', 'cache', 'objects', name.slice(0, 2), name.slice(2));
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content);
    };
    const parts = [];
    for (const e of entries) {
      await put(sha(e.content), e.content);
      parts.push(`{"hash":"${sha(e.content)}","mode":420,"path":${JSON.stringify(e.path)},"size":${Buffer.byteLength(e.content)}}`);
    }
    const text = `[${parts.join(',')}]`;
    await put(sha(text) + '.dir', text);
    return sha(text) + '.dir';
  }

  it('replay restoring an upstream output from a manifest with ../ entries: refused, nothing written outside', async () => {
    const { d, id } = await recorded(DIRS);
    const evil = await plantManifest(d, [{ path: `../../evil-${process.pid}.txt`, content: 'x\n' }]);
    const bad = craftRun(d, id, [lockEdit(d, id, (t) => t.replace(/(outdir:\n\s+hash: )[0-9a-f]+\.dir/, `$1${evil}`))]);
    const before = outside(d);
    const r = await replayJson(d, bad, '--stage', 'train');
    expect(outside(d)).toEqual(before);
    // The cache refuses the manifest: prep is re-run instead of restored, and its output differs.
    expect(r.code).toBe(1);
    expect(r.body.stages.map((s: any) => [s.name, s.action])).toEqual([
      ['prep', 'executed'],
      ['train', 'executed'],
    ]);
    // (The cache's check moves the refused manifest aside, so the comparison finds it gone.)
    expect(r.body.outputs[0]).toMatchObject({
      path: 'outdir',
      outcome: 'differs',
      detail: { kind: 'hash', reason: expect.stringMatching(/unsafe path|manifest cannot be used/) },
    });
  });

  it('checkout with a lock naming a manifest with ../ entries: refused, nothing written outside', async () => {
    const d = await repo(DIRS);
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    const evil = await plantManifest(d, [{ path: `../evil-${process.pid}.txt`, content: 'x\n' }]);
    const text = await readText(d, 'repro.lock');
    await writeFile(join(d, 'repro.lock'), text.replace(/(outdir:\n\s+hash: )[0-9a-f]+\.dir/, `$1${evil}`));
    await rm(join(d, 'outdir'), { recursive: true });
    const before = outside(d);
    const r = await repro(d, 'checkout', '--json');
    expect(outside(d)).toEqual(before);
    expect(existsSync(join(d, 'evil-' + process.pid + '.txt'))).toBe(false);
    // Reported as corrupt (the cache refuses the manifest and moves it aside), exit 1.
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body.missing).toEqual([]);
    expect(body.corrupt).toMatchObject([{ path: 'outdir', stage: 'prep', hash: evil }]);
  });

  it('a symlink inside an upstream output in the snapshot (outdir/sub -> ../..): refused, not followed or written through', async () => {
    const { d, id } = await recorded(DIRS);
    const bad = craftRun(d, id, [{ path: 'outdir/sub', content: '../..', mode: '120000' }]);
    const before = outside(d);
    const r = await replayJson(d, bad, '--stage', 'train');
    expect(outside(d)).toEqual(before);
    expect(existsSync(join(BASE, 'sub', 'x.txt'))).toBe(false);
    expect(r.code, r.stderr).toBe(2);
    expect(r.body.error).toMatchObject({ code: 'E_PATH_ESCAPE', message: expect.stringContaining("outdir/sub' ->") });
  });
});
