import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/pipeline/index.js';
import { readWorkspaceMetrics, type UnreadableMetrics } from '../../src/ops/metrics/read.js';
import { tempRepos } from '../helpers/repo.js';

const { repo } = tempRepos();

const FILES = {
  'repro.yaml': `version: 1
stages:
  a:
    cmd: "true"
    metrics: [good.json, bad.json, scalar.yaml, absent.json]
`,
  'good.json': '{"acc": 0.9, "sub": {"f1": 0.5}}',
  'bad.json': '{"acc": ',
  'scalar.yaml': '0.9\n',
};

describe('readWorkspaceMetrics', () => {
  it('throws E_CONFIG naming an unreadable file when no onUnreadable is given', async () => {
    const d = await repo(FILES);
    const p = await loadPipeline(d);
    await expect(readWorkspaceMetrics(p)).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: "metrics file is not JSON or YAML: 'bad.json'",
    });
  });

  it('with onUnreadable: leaves out unreadable files, reports each, keeps the others; missing files are skipped silently', async () => {
    const d = await repo(FILES);
    const p = await loadPipeline(d);
    const seen: UnreadableMetrics[] = [];
    const m = await readWorkspaceMetrics(p, { onUnreadable: (u) => seen.push(u) });
    expect(m).toEqual({ 'good.json': { acc: 0.9, 'sub.f1': 0.5 } });
    expect(seen).toEqual([
      { path: 'bad.json', problem: 'is not JSON or YAML' },
      { path: 'scalar.yaml', problem: 'holds no mapping' },
    ]);
  });
});
