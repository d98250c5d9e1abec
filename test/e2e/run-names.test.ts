import { describe, it, expect, beforeAll } from 'vitest';
import { repro, git, tempRepos } from '../helpers/repo.js';

/** Naming a run wherever one is accepted (show, replay, diff): one resolver, ops/records/resolve.ts. */
const FILES = {
  'params.yaml': 'n: 1\n',
  'repro.yaml': `version: 1
stages:
  a:
    cmd: "echo \${n} > a.txt && echo '{\\"v\\": \${n}}' > m.json"
    params: [n]
    outs: [a.txt]
    metrics: [m.json]
`,
};

const { repo } = tempRepos({ after: 'all' });

async function json(dir: string, ...args: string[]): Promise<{ code: number; body: any }> {
  const r = await repro(dir, ...args, '--json');
  return { code: r.code, body: JSON.parse(r.stdout) };
}

let R: string;
const ids: string[] = []; // oldest first: first commit's two runs, then the second commit's run
beforeAll(async () => {
  R = await repo(FILES);
  ids.push((await json(R, 'run')).body.run_id);
  ids.push((await json(R, 'run', '--force')).body.run_id);
  git(R, 'add', '-A');
  git(R, 'commit', '-qm', 'one');
  ids.push((await json(R, 'run', '-S', 'n=2')).body.run_id);
  git(R, 'add', '-A');
  git(R, 'commit', '-qm', 'two');
}, 60_000);

const shown = async (name: string): Promise<string> => {
  const r = await json(R, 'show', name);
  if (r.code !== 0) throw new Error(`show ${name}: ${JSON.stringify(r.body)}`);
  return r.body.id;
};

describe('run names', () => {
  it('a unique prefix or suffix, latest, a revision (its newest run), HEAD', async () => {
    expect(await shown(ids[0]!)).toBe(ids[0]);
    expect(await shown(ids[0]!.slice(-6))).toBe(ids[0]); // the short id exp show prints
    expect(await shown(ids[1]!.slice(0, -2))).toBe(ids[1]);
    expect(await shown('latest')).toBe(ids[2]);
    // the first commit ('one', HEAD~1) has two runs started from... the fixture commit (HEAD~2)
    expect(await shown('HEAD~2')).toBe(ids[1]);
    expect(await shown('HEAD~1')).toBe(ids[2]);
    const none = await json(R, 'show', 'HEAD');
    expect(none.code).toBe(2);
    expect(none.body.error.code).toBe('E_NOT_FOUND');
    expect(none.body.error.message).toMatch(/^no run was started from commit [0-9a-f]{7}: 'HEAD'$/);
  });

  it('HEAD is the newest run on the commit HEAD names', async () => {
    const d = await repo(FILES);
    await json(d, 'run');
    const second = (await json(d, 'run', '--force')).body.run_id;
    expect((await json(d, 'show', 'HEAD')).body.id).toBe(second);
  });

  it('replay and diff take the same names', async () => {
    const rep = await json(R, 'replay', ids[2]!.slice(-6));
    expect(rep.code).toBe(0);
    expect(rep.body.run.id).toBe(ids[2]);
    const diff = await json(R, 'diff', ids[0]!.slice(-6), 'latest');
    expect(diff.code).toBe(0);
    const v = diff.body.metrics.rows.find((r: any) => r.key === 'm.json:v');
    expect([v.a.mean, v.b.mean]).toEqual([1, 2]);
    // a branch name keeps meaning the commit
    expect((await json(R, 'diff', 'main', 'latest')).code).toBe(0);
  });
});
