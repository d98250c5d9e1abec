import { describe, expect, it } from 'vitest';
import { repro, tempRepos } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';

// A stage that writes an unreadable metrics file: the run is still recorded, without that file.
const { repo } = tempRepos();

const pipeline = (broken: string): Record<string, string> => ({
  '.gitignore': '/.repro\n',
  'write.sh': `#!/bin/sh
mkdir -p metrics
printf '%s\\n' '${broken}' > metrics/train.json
printf '{"loss": 0.25}\\n' > metrics/eval.json
`,
  'repro.yaml': `version: 1
stages:
  train:
    cmd: ./write.sh
    deps: [write.sh]
    metrics: [metrics/train.json, metrics/eval.json]
`,
});

describe('repro run: a metrics file that is not JSON or YAML', () => {
  it('records the run without that file, warning and naming it', async () => {
    const d = await repo(pipeline('{"accuracy": 0.86'));
    const r = await repro(d, 'run');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("warning: metrics file 'metrics/train.json' is not JSON or YAML; recorded without its values\n");
    expect(r.stdout).not.toContain('not recorded');
    const id = /^recorded run (\S+)$/m.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect(await read(d, 'repro.lock')).toContain('metrics/train.json');

    const show = await repro(d, 'show', id!, '--json');
    expect(show.code, show.stderr).toBe(0);
    const record = JSON.parse(show.stdout).record;
    expect(record.status).toBe('ok');
    expect(record.metrics).toEqual({ 'metrics/eval.json': { loss: 0.25 } });
    expect(Object.keys(record.stages)).toEqual(['train']);
  });

  it('a metrics file holding no mapping is left out the same way; --json still records the run', async () => {
    const d = await repo(pipeline('0.86'));
    const r = await repro(d, 'run', '--json');
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.record_error).toBeNull();
    expect(body.record_warnings).toEqual(["metrics file 'metrics/train.json' holds no mapping; recorded without its values"]);
    expect(body.run_id).toEqual(expect.any(String));
    const record = JSON.parse((await repro(d, 'show', body.run_id, '--json')).stdout).record;
    expect(record.metrics).toEqual({ 'metrics/eval.json': { loss: 0.25 } });

    const text = await repro(d, 'run', '--force');
    expect(text.stdout).toContain("warning: metrics file 'metrics/train.json' holds no mapping; recorded without its values\n");
  });
});
