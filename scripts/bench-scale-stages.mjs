// `npm run bench -- scale` (BENCH_SCALE=stages): cost curves over the number of stages (issue 16).
// The fan-out/fan-in DAG of make-workload.sh (1 src, n-2 mids, 1 sink) at 200, 2,000 and 10,000
// stages, each in its own Git repo: no-op `repro run` (answered by the no-op summary, and with
// the summary removed first: the full evaluation), `repro status`, `repro verify` (the default
// check: freshness, plus the local data and rules checks, no re-run), `repro dag --format json`,
// and the first full run against `make -s` at -j1 and -j2. Every figure is printed at each size
// with its growth factor against the size before; figures with a peer also go to ctx.report.
//
// Env: BENCH_STAGES (default "200,2000,10000"), BENCH_STAGES_FULL_RUNS (runs of each first full
// run at 10,000 stages, default 1: one takes minutes on the machines here), BENCH_STAGES_FULL
// (default "1,2": the -j values of the first full run; "" skips it, and then a workload already
// run is only brought up to date, not cleaned: iterate on the no-op figures without minutes of
// full runs), BENCH_STAGES_BASE (another build's bin/repro.js: its no-op run and status join the
// same race, for a before/after in one run).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stagesDag } from './bench-scale-workload.mjs';

/**
 * Past ~7,000 mids the sink's recipe (`cat mid/m0001.txt ... > final.txt`) is longer than one
 * argument may be (MAX_ARG_STRLEN, 128 KiB) and make fails with "Argument list too long": the
 * Makefile then uses the glob repro.yaml's sink uses (same work, one argument).
 */
function fitMakeSink(dir) {
  const path = join(dir, 'Makefile');
  const text = readFileSync(path, 'utf8');
  const fixed = text.replace(/^\tcat [^\n]{100000,} > final\.txt$/m, '\tcat mid/m*.txt > final.txt');
  if (fixed !== text) writeFileSync(path, fixed);
}

export async function bench(ctx) {
  const { RUNS, bin, benchEnv, median, race, report, fmt } = ctx;
  const sizes = (process.env.BENCH_STAGES ?? '200,2000,10000').split(',').filter(Boolean).map(Number);
  const jobsList = (process.env.BENCH_STAGES_FULL ?? '1,2').split(',').filter(Boolean).map(Number);
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`machine: load ${load()} at the start; CPU = user + sys of the command and its children`);

  // Wall time for the race, CPU time (user + sys, children included) on the side: on a loaded
  // machine the CPU figure is the steadier one.
  const cpu = {};
  const timed = (label, cmd, args, cwd) => () => {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { cwd, env: benchEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    const [u, s] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number);
    (cpu[label] ??= []).push((u + s) * 1000);
    return ms;
  };
  const repro = (label, cwd, ...args) => timed(label, process.execPath, [bin, ...args], cwd);
  const baseBin = process.env.BENCH_STAGES_BASE;
  const base = (label, cwd, ...args) => timed(label, process.execPath, [baseBin, ...args], cwd);
  const make = (label, cwd, ...args) => timed(label, 'make', ['-s', ...args], cwd);
  const dropSummary = (dir) => () => rmSync(join(dir, '.repro', 'noop-summary.json'), { force: true });
  const clean = (dir) => () => {
    spawnSync('sh', [join(dir, 'clean.sh')]);
    rmSync(join(dir, '.repro'), { recursive: true, force: true });
  };

  /** figure → size → { ours, cpu, peer?, peerName? } */
  const table = new Map();
  const put = (what, n, ours, oursCpu, peerName, peer) => {
    if (!table.has(what)) table.set(what, new Map());
    table.get(what).set(n, { ours, cpu: oursCpu, peerName, peer });
    if (peer !== undefined) report(`${what}, ${n} stages`, ours, peerName, peer);
    else console.log(`${`${what}, ${n} stages`.padEnd(44)} repro ${fmt(ours)}  (CPU ${fmt(oursCpu).trim()})`);
  };

  for (const n of sizes) {
    const dir = stagesDag(ctx, n);
    fitMakeSink(dir);
    const runs = n >= 10000 ? Math.min(RUNS, 3) : RUNS;
    const fullRuns = n >= 10000 ? Number(process.env.BENCH_STAGES_FULL_RUNS ?? 1) : n >= 2000 ? Math.min(RUNS, 3) : Math.min(RUNS, 5);
    console.log(`\n-- ${n} stages (${dir}); load ${load()}; ${runs} runs per figure, ${fullRuns} per first full run`);

    // First full runs, make first so that repro's run is the last: it leaves the lock and the
    // outputs the no-op figures below need.
    for (const j of jobsList) {
      const lr = `full-repro-${n}-${j}`;
      const lm = `full-make-${n}-${j}`;
      const m = race(
        [
          { name: 'make', before: clean(dir), run: make(lm, dir, `-j${j}`) },
          { name: 'repro', before: clean(dir), run: repro(lr, dir, 'run', '--no-record', '-j', String(j)) },
        ],
        fullRuns,
      );
      put(`first full run -j${j}`, n, m.repro, median(cpu[lr]), 'make -s', m.make);
    }
    if (!jobsList.length) {
      if (!existsSync(join(dir, 'repro.lock'))) clean(dir)();
      spawnSync(process.execPath, [bin, 'run', '--no-record', '-j', '2'], { cwd: dir, env: benchEnv, stdio: 'ignore' });
    }
    spawnSync('make', ['-s'], { cwd: dir, env: benchEnv, stdio: 'ignore' }); // make's own no-op state

    const m = race(
      [
        { name: 'repro', run: repro(`noop-${n}`, dir, 'run', '--no-record') },
        // The same with the no-op summary removed first: the full evaluation (which writes it again).
        { name: 'full', before: dropSummary(dir), run: repro(`noop-full-${n}`, dir, 'run', '--no-record') },
        { name: 'make', run: make(`noop-make-${n}`, dir) },
        { name: 'status', run: repro(`status-${n}`, dir, 'status') },
        { name: 'verify', run: repro(`verify-${n}`, dir, 'verify') },
        { name: 'dag', run: repro(`dag-${n}`, dir, 'dag', '--format', 'json') },
        ...(baseBin
          ? [
              { name: 'base-run', run: base(`base-noop-${n}`, dir, 'run', '--no-record') },
              { name: 'base-status', run: base(`base-status-${n}`, dir, 'status') },
            ]
          : []),
      ],
      runs,
    );
    put('no-op run', n, m.repro, median(cpu[`noop-${n}`]), 'make -s', m.make);
    put('no-op run, full evaluation', n, m.full, median(cpu[`noop-full-${n}`]));
    put('status (no-op)', n, m.status, median(cpu[`status-${n}`]));
    put('verify (freshness, default)', n, m.verify, median(cpu[`verify-${n}`]));
    put('dag --format json', n, m.dag, median(cpu[`dag-${n}`]));
    if (baseBin) {
      put('no-op run (base build)', n, m['base-run'], median(cpu[`base-noop-${n}`]));
      put('status (base build)', n, m['base-status'], median(cpu[`base-status-${n}`]));
    }
  }

  // The curves: each figure at each size, its growth against the size before (the work grows by
  // the size ratio: linear means growth <= that ratio), and the peer's figure and ratio.
  console.log(`\nscale: stages (load ${load()} at the end); growth = figure / figure at the size before (linear: <= size ratio)`);
  const head = ['figure'.padEnd(30), ...sizes.map((n) => `${n} stages`.padStart(40))].join('');
  console.log(head);
  for (const [what, bySize] of table) {
    const cells = sizes.map((n, i) => {
      const c = bySize.get(n);
      if (!c) return '-'.padStart(40);
      const prev = i > 0 ? bySize.get(sizes[i - 1]) : undefined;
      const growth = prev ? ` x${(c.ours / prev.ours).toFixed(1)}/${(n / sizes[i - 1]).toFixed(0)}` : '';
      const peer = c.peer !== undefined ? ` ${(c.ours / c.peer).toFixed(2)}x make` : '';
      return `${fmt(c.ours).trim()} cpu ${fmt(c.cpu).trim()}${growth}${peer}`.padStart(40);
    });
    console.log([what.padEnd(30), ...cells].join(''));
  }
  console.log('(targets: growth <= linear; at 10,000 stages no-op run <= 1 s, verify <= 2 s; first full run <= 2x make -s)');
}
