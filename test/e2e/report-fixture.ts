import { git, repro, testRepo } from '../helpers/repo.js';
import { writeTree } from '../helpers/tree.js';

/**
 * A project with history for `repro report`: main has the pipeline and a 3-seed baseline
 * (effect 0); branch `feature` has a 3-seed sweep with effect 0.3 and a committed plots change;
 * the workspace then edits a param without running, so `train` is stale. The metric is
 * 0.5 + effect + a fixed noise table indexed by seed (exact verdicts, not luck).
 */
const TRAIN = `#!/bin/sh
awk -v s="$REPRO_SEED" -v e="$1" 'BEGIN {
  split("0.03 -0.02 0.01 -0.04 0.02", t, " ");
  n = t[s % 5 + 1];
  lat = "";
  for (i = 0; i < 40; i++) lat = lat (i ? ", " : "") (10 + i * (1 + e));
  printf "{\\"acc\\": %.6f, \\"loss\\": %.6f, \\"latency_ms\\": [%s]}\\n", 0.5 + e + n, 0.5 - e - n, lat > "metrics.json";
  print "step,score" > "scores.csv";
  for (i = 0; i < 8; i++) printf "%d,%.6f\\n", i, i / 8 + e >> "scores.csv";
  printf "model seed=%s effect=%s\\n", s, e > "model.txt";
}'
`;

export const REPORT_FILES = {
  'params.yaml': 'effect: 0\nlr: 0.1\n',
  'train.sh': TRAIN,
  'repro.yaml': `version: 1
seed: 1
stages:
  prep:
    cmd: echo data > data.txt
    seed: false
    outs: [data.txt]
  train:
    cmd: sh train.sh \${effect}
    deps: [data.txt, train.sh]
    params: [effect, lr]
    outs: [model.txt]
    metrics: [metrics.json]
    plots: [{path: scores.csv, x: step, y: score, title: Score by step}]
  evaluate:
    cmd: cp metrics.json eval.json
    deps: [metrics.json]
    outs: [eval.json]
checks:
  "metrics.json:acc": { min: 0.4, max_drop: 0.05 }
`,
};

async function run(dir: string, ...args: string[]): Promise<void> {
  const r = await repro(dir, 'run', ...args);
  if (r.code !== 0) throw new Error(`repro run ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
}

export async function reportRepo(): Promise<string> {
  const dir = await testRepo(REPORT_FILES);
  await run(dir, '--seeds', '1-3');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'baseline');
  git(dir, 'checkout', '-qb', 'feature');
  await run(dir, '--seeds', '1-3', '-S', 'effect=0.3');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'effect 0.3');
  writeTree(dir, { 'params.yaml': 'effect: 0.3\nlr: 0.2\n' });
  return dir;
}
