import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseYaml } from '../../src/core/yaml.js';
import { VERIFY_MD_MARKER } from '../../src/report/verify/md.js';
import { ROOT } from '../helpers/repo.js';

describe('templates/ci/github-actions.yml', () => {
  it('checks out full history, installs with npm ci, runs verify against the base branch and updates one comment', async () => {
    const text = await readFile(join(ROOT, 'templates', 'ci', 'github-actions.yml'), 'utf8');
    const wf = parseYaml(text, 'github-actions.yml') as { on: unknown; jobs: { verify: { steps: Record<string, unknown>[] } } };
    expect(wf.on).toHaveProperty('pull_request');
    const steps = wf.jobs.verify.steps;
    const checkout = steps.find((s) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkout?.with).toEqual({ 'fetch-depth': 0 });
    expect(steps.some((s) => s.run === 'npm ci' || String(s.run).startsWith('npm ci '))).toBe(true);
    const verify = steps.find((s) => String(s.run).includes('repro verify'));
    expect(verify?.run).toContain('repro verify --base "origin/${{ github.base_ref }}" --md report.md');
    const post = steps.find((s) => String(s.uses).startsWith('actions/github-script@'));
    expect((post?.with as { script: string }).script).toContain(`'${VERIFY_MD_MARKER}'`);
    expect((post?.with as { script: string }).script).toContain('updateComment');
  });
});
