import { describe, it, expect } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, tempRepos } from '../helpers/repo.js';

/** `repro log`: every sweep run's seed, and only a run's own metrics as its headline. */
const { repo } = tempRepos();

async function json(dir: string, ...args: string[]): Promise<any> {
  return JSON.parse((await repro(dir, ...args, '--json')).stdout);
}

describe('repro log headline', () => {
  it('shows the seed of every run of a sweep, the first included', async () => {
    const d = await repo({
      'repro.yaml': `version: 1
seed: 1
stages:
  train:
    cmd: "echo '{\\"acc\\": 0.'$REPRO_SEED'}' > m.json"
    metrics: [m.json]
`,
    });
    await repro(d, 'run'); // seed 1 is up to date when the sweep starts
    await repro(d, 'run', '--seeds', '1-3');
    const log = await json(d, 'log');
    expect(log.runs.slice(0, 3).map((r: any) => r.seeds)).toEqual([[3], [2], [1]]);
    const text = (await repro(d, 'log')).stdout.split('\n');
    expect(text[2]).toMatch(/ seed 1 +m\.json: acc=0\.1$/);
  });

  it('a run that did not end ok shows no metrics its stages did not write', async () => {
    const d = await repo({
      'params.yaml': 'fail: 0\n',
      'repro.yaml': `version: 1
stages:
  train:
    cmd: "test \${fail} = 0 && echo '{\\"acc\\": 0.5}' > m.json"
    params: [fail]
    metrics: [m.json]
  other:
    cmd: "echo '{\\"f1\\": 0.25}' > e.json"
    metrics: [e.json]
`,
    });
    await repro(d, 'run');
    await writeFile(join(d, 'params.yaml'), 'fail: 1\n');
    expect((await repro(d, 'run')).code).toBe(1);
    const [failed, ok] = (await json(d, 'log')).runs;
    expect(ok.headline.map((h: any) => h.name)).toEqual(['m.json:acc', 'e.json:f1']);
    expect(failed.status).toBe('failed');
    expect(failed.headline).toEqual([]);
  });
});
