import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseYaml } from '../../src/core/yaml.js';
import { VERIFY_MD_MARKER } from '../../src/report/verify/md.js';
import { ROOT } from '../helpers/repo.js';

type Step = Record<string, unknown> & { uses?: string; run?: string; with?: Record<string, unknown> };
const load = async (p: string): Promise<unknown> => parseYaml(await readFile(join(ROOT, p), 'utf8'), p);

describe('templates/ci/github-actions.yml', () => {
  it('checks out full history, runs the repro action (rerun, base, md, junit, comment), keeps the report step, uploads the reports', async () => {
    const wf = (await load('templates/ci/github-actions.yml')) as {
      on: unknown;
      permissions: Record<string, string>;
      jobs: { verify: { steps: Step[] } };
    };
    expect(wf.on).toHaveProperty('pull_request');
    expect(wf.permissions['pull-requests']).toBe('write');
    const steps = wf.jobs.verify.steps;
    expect(steps.every((s) => typeof s.uses === 'string' || typeof s.run === 'string')).toBe(true);
    const checkout = steps.find((s) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkout?.with).toEqual({ 'fetch-depth': 0 });
    expect(steps.some((s) => s.run === 'npm ci' || String(s.run).startsWith('npm ci'))).toBe(false);
    const action = steps.find((s) => /\/repro\/action@/.test(String(s.uses)));
    expect(action?.with).toMatchObject({
      base: '${{ github.base_ref }}',
      rerun: 'true',
      md: 'report.md',
      junit: 'repro-junit.xml',
      comment: 'true',
    });
    expect(Object.values(action?.env as Record<string, string>).every((v) => /^\$\{\{ secrets\.[A-Z_]+ \}\}$/.test(v))).toBe(true);
    // Every input the template passes is one the action declares.
    const def = (await load('action/action.yml')) as { inputs: Record<string, unknown>; runs: { using: string; main: string } };
    for (const k of Object.keys(action!.with!)) expect(Object.keys(def.inputs)).toContain(k);
    const report = steps.find((s) => String(s.run).includes('repro report'));
    expect(report?.if).toBe('always()');
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(String(upload?.with?.path).split('\n').filter(Boolean)).toEqual(['report.md', 'repro-junit.xml', 'repro-report.html']);
    expect(steps.indexOf(checkout!)).toBeLessThan(steps.indexOf(action!));
  });
});

describe('action/action.yml', () => {
  it('is a node20 JavaScript action with the inputs the issue names, and its comment marker is verify --md’s', async () => {
    const def = (await load('action/action.yml')) as {
      inputs: Record<string, { default?: unknown }>;
      runs: { using: string; main: string };
    };
    expect(def.runs).toEqual({ using: 'node20', main: 'main.mjs' });
    for (const k of ['base', 'rerun', 'sample', 'remote', 'md', 'junit', 'comment']) expect(def.inputs).toHaveProperty(k);
    const { MARKER } = (await import(pathToFileURL(join(ROOT, 'action', 'comment.mjs')).href)) as { MARKER: string };
    expect(MARKER).toBe(VERIFY_MD_MARKER);
  });
});

describe('templates/ci/gitlab-ci.yml', () => {
  it('full history, installs repro with npm install -g, fetches runs, pulls, verifies with --rerun, JUnit as artifacts:reports:junit', async () => {
    const ci = (await load('templates/ci/gitlab-ci.yml')) as Record<
      string,
      {
        image: string;
        variables: Record<string, string>;
        before_script: string[];
        script: string[];
        artifacts: { when: string; paths: string[]; reports: { junit: string } };
      }
    >;
    const job = ci['repro-verify']!;
    expect(job.image).toMatch(/^node:20/);
    expect(job.variables.GIT_DEPTH).toBe('0');
    expect(job.before_script.some((l) => l.startsWith('npm install -g'))).toBe(true);
    const order = ['repro fetch --runs-only', 'repro pull', 'repro verify'].map((c) => job.script.findIndex((l) => l.startsWith(c)));
    expect(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!))).toBe(true);
    const verify = job.script.find((l) => l.startsWith('repro verify'))!;
    expect(verify).toContain('--rerun');
    expect(verify).toContain('--junit repro-junit.xml');
    expect(job.artifacts.reports.junit).toBe('repro-junit.xml');
    expect(job.artifacts.when).toBe('always');
    expect(job.artifacts.paths).toContain('repro-junit.xml');
  });
});
