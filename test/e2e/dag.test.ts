import { describe, expect, it } from 'vitest';
import { repro, tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

// a -> b -> c, and d on its own.
const PIPE = {
  'in.txt': 'x\n',
  'repro.yaml': `stages:
  a: { cmd: cp in.txt a.txt, deps: [in.txt], outs: [a.txt] }
  b: { cmd: cp a.txt b.txt, deps: [a.txt], outs: [b.txt] }
  c: { cmd: cp b.txt c.txt, deps: [b.txt], outs: [c.txt] }
  d: { cmd: cp in.txt d.txt, deps: [in.txt], outs: [d.txt] }
`,
};

const names = (stdout: string) => (JSON.parse(stdout) as { stages: { name: string }[] }).stages.map((s) => s.name);

describe('repro dag TARGET', () => {
  it('shows a stage and its upstream, or with --downstream what depends on it', async () => {
    const d = await repo(PIPE);
    expect(names((await repro(d, 'dag', '--json')).stdout)).toEqual(['a', 'b', 'c', 'd']);
    const up = JSON.parse((await repro(d, 'dag', 'b', '--json')).stdout);
    expect(up.stages.map((s: { name: string }) => s.name)).toEqual(['a', 'b']);
    expect(up.edges).toEqual([{ from: 'a', to: 'b' }]);
    expect(names((await repro(d, 'dag', 'b', '--downstream', '--json')).stdout)).toEqual(['b', 'c']);
    expect(names((await repro(d, 'dag', 'c.txt', '--json')).stdout)).toEqual(['a', 'b', 'c']);
    const mermaid = (await repro(d, 'dag', 'b', '--format', 'mermaid')).stdout;
    expect(mermaid).toContain('a');
    expect(mermaid).not.toMatch(/\bc\b/);
  });

  it('an unknown target is a usage error with a suggestion', async () => {
    const d = await repo(PIPE);
    const r = await repro(d, 'dag', 'bb');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown stage 'bb'/);
    expect(r.stderr).toMatch(/did you mean 'b'/);
  });
});
