import { describe, expect, it } from 'vitest';
import { envelopeOf, inEnvelope } from '../../src/compare/index.js';
import { git, repro, tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

// accuracy moves with the seed only: 0.836, 0.838, 0.840, 0.842, 0.844 for seeds 1..5 in some order
const TRAIN = `import json, os
seed = int(os.environ['REPRO_SEED'])
json.dump({'accuracy': round(0.84 + 0.002 * ((seed * 7) % 5 - 2), 6)}, open('m.json', 'w'))
`;
const PIPE = `version: 1
seed: 1
stages:
  train:
    cmd: python3 train.py
    deps: [train.py]
    metrics: [m.json]
    deterministic: false
    tolerance: auto
`;

async function ran(...runArgs: string[]): Promise<string> {
  const dir = await repo({ 'repro.yaml': PIPE, 'train.py': TRAIN, '.gitignore': '/.repro\n' });
  const r = await repro(dir, 'run', '--no-record', ...runArgs);
  expect(r.code, r.stderr).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'run');
  return dir;
}

describe('the reproducibility envelope', () => {
  it('mean ± t·s and min/max over the values', () => {
    const e = envelopeOf([1, 2, 3])!;
    expect(e.mean).toBe(2);
    expect(e.hi - e.mean).toBeCloseTo(4.302653 * 1, 5); // t(0.975, 2) · s, s = 1
    expect([e.min, e.max]).toEqual([1, 3]);
    expect(inEnvelope(e, 6.3)).toBe(true);
    expect(inEnvelope(e, 6.4)).toBe(false);
    expect(envelopeOf([1])).toBeNull();
  });

  it('verify --rerun --seeds 1-5 judges the recorded and re-run values against the band', async () => {
    const dir = await ran();
    const r = await repro(dir, 'verify', '--rerun', '--seeds', '1-5', '--json');
    const st = JSON.parse(r.stdout).rerun.stages[0];
    expect(st.envelope.source).toBe('seeds');
    expect(st.envelope.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(st.envelope.rows).toMatchObject([{ key: 'm.json:accuracy', n: 5, min: 0.836, max: 0.844, within: true }]);
    expect(st.envelope.rows[0].mean).toBeCloseTo(0.84, 9);
    const text = await repro(dir, 'verify', '--rerun', '--seeds', '1-5');
    expect(text.stdout).toMatch(
      /train: m\.json:accuracy 0\.84, envelope 0\.83\d+-0\.84\d+ \(min 0\.836, max 0\.844\) over 5 seeds: reproduced/,
    );
  });

  it('tolerance: auto uses the seed sweep in the lock, and says so when there is none', async () => {
    const none = await ran();
    const a = JSON.parse((await repro(none, 'verify', '--rerun', '--json')).stdout).rerun.stages[0];
    expect(a.envelope).toMatchObject({ source: 'none', rows: [] });
    expect(a.envelope.note).toMatch(/--seeds 1-5/);
    const swept = await ran('--seeds', '1-4');
    const b = JSON.parse((await repro(swept, 'verify', '--rerun', '--json')).stdout).rerun.stages[0];
    expect(b.envelope.source).toBe('seed_metrics');
    expect(b.envelope.rows[0]).toMatchObject({ n: 4, within: true });
  });
});
