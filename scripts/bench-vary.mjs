// `npm run bench -- vary`: the whole `repro verify --vary` (every variation this machine can run)
// on the 20-stage chain (issue 15), against a peer measured in the same run, interleaved.
//
// The peer is what checking the same thing by hand costs at the least: for the reference and for
// each variation, copy the chain's inputs into a fresh directory, rebuild it with `make -s` there
// and `cmp` every output with the workspace's; nothing varied, no key checks, no report. It
// stands for "re-run the pipeline N+1 times in a clean copy and diff", the floor any tool that
// re-runs under N variations pays. `make -B -s` in place would skip the copies and the compares
// verify makes, so it is printed too as the bare re-run cost (N+1 rebuilds).
//
// Env: BENCH_VARY_RUNS (default min(BENCH_RUNS, 3): one `--vary` is ~10 re-runs of 20 stages).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export async function benchVary(ctx) {
  const { ROOT, RUNS, bin, benchEnv, time, race, report, workload, fmt } = ctx;
  workload('chain');
  const src = join(ROOT, 'chain');
  const dir = join(ROOT, 'vary-ws');
  rmSync(dir, { recursive: true, force: true });
  cpSync(src, dir, { recursive: true });
  const quiet = (cmd, args) => execFileSync(cmd, args, { cwd: dir, env: benchEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  quiet('sh', ['./clean.sh']);
  rmSync(join(dir, '.repro'), { recursive: true, force: true });
  if (!existsSync(join(dir, '.git'))) quiet('git', ['init', '-q']);
  // One run first, so there is a lock to verify against, committed (verify reads the commit).
  quiet(process.execPath, [bin, 'run', '--no-record']);
  quiet('sh', ['-c', 'git add -A && git -c user.name=bench -c user.email=bench@example.invalid commit -qm "bench: run"']);

  // How many variations run here (locale is skipped without a locale other than C).
  const doc = JSON.parse(quiet(process.execPath, [bin, 'verify', '--vary', '--json']).toString());
  const n = doc.vary.variations.length;
  const classes = [...new Set(doc.vary.stages.map((s) => s.class))].join(', ');
  const skipped = doc.vary.skipped.map((s) => s.variation);
  const outs = doc.vary.stages.length;
  console.log(
    `verify --vary on the 20-stage chain: ${n} variations (${doc.vary.variations.join(', ')})${skipped.length ? `, skipped ${skipped.join(', ')}` : ''}; ${outs} stages, ${classes}`,
  );

  const copy = join(ROOT, 'vary-peer');
  const byHand = [
    `for i in $(seq ${n + 1}); do`,
    `  rm -rf '${copy}' && mkdir '${copy}' && cp Makefile s00.txt '${copy}/' && make -s -C '${copy}' || exit 1`,
    `  for f in s[0-9][0-9].txt; do cmp -s "$f" '${copy}/'"$f" || { echo "differs: $f" >&2; exit 1; }; done`,
    'done',
  ].join('\n');
  const runs = Number(process.env.BENCH_VARY_RUNS ?? Math.min(RUNS, 3));
  const m = race(
    [
      { name: 'repro', run: () => time(process.execPath, [bin, 'verify', '--vary'], { cwd: dir }) },
      { name: 'by-hand', run: () => time('sh', ['-c', byHand], { cwd: dir }) },
      { name: 'make-B', run: () => time('sh', ['-c', `for i in $(seq ${n + 1}); do make -B -s || exit 1; done`], { cwd: dir }) },
    ],
    runs,
  );
  report(`verify --vary, 20-stage chain, ${n} variations`, m.repro, `copy+make+cmp x${n + 1}`, m['by-hand']);
  report(`verify --vary, 20-stage chain, ${n} variations`, m.repro, `make -B x${n + 1}`, m['make-B']);
  console.log(
    `  per re-run (reference + ${n} variations): repro ${fmt(m.repro / (n + 1)).trim()}, copy+make+cmp ${fmt(m['by-hand'] / (n + 1)).trim()}; ${runs} interleaved runs, medians; load average ${loadavg()}`,
  );
  rmSync(copy, { recursive: true, force: true });
  // The workspace is the 20 small files of the chain: left for a look, removed on the next run.
}

function loadavg() {
  try {
    return execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ');
  } catch {
    return '(unknown)';
  }
}
