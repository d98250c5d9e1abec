#!/usr/bin/env node
// `npm run bench`: repro against the peers a user would pick instead, measured in the same run,
// interleaved (A B A B ...), medians and ratios. Machines here are shared and noisy: read the
// ratios, not the absolute times. Workloads come from ../shared/bench/make-workload.sh.
//
//   npm run bench                 the default parts: noop full hash dir record vary (builds a 2 GiB file unless BENCH_BIG_BYTES is set)
//   npm run bench -- noop full    only some parts: noop full hash dir record vary remote scale (remote and scale
//                                 are not in the default set: remote starts a Ceph gateway, see
//                                 scripts/bench-remote.mjs; scale builds curves up to 10,000 stages, 1M files and
//                                 20 GiB, see scripts/bench-scale.mjs)
//
// Env: BENCH_ROOT (default /tmp/repro-bench), BENCH_RUNS (default 7), BENCH_BIG_BYTES.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');
const bin = join(repoRoot, 'bin', 'repro.js');
// ../shared from the main checkout; a worktree under /work/wt/ finds it at /work/shared.
const shared =
  [resolve(repoRoot, '..', 'shared', 'bench'), '/work/shared/bench'].find((d) => existsSync(d)) ??
  resolve(repoRoot, '..', 'shared', 'bench');
const ROOT = process.env.BENCH_ROOT ?? '/tmp/repro-bench';
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const parts = process.argv.slice(2).length ? process.argv.slice(2) : ['noop', 'full', 'hash', 'dir', 'record', 'vary'];
const results = [];

// NODE_EXTRA_CA_CERTS makes every node process parse that CA bundle before running any code
// (~45 ms per start on the machines here, which set it; repro makes no TLS connections). It is a
// property of the machine, not of the tools, so timed commands run without it; the difference
// is printed once so the figure with it can be worked out.
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const benchEnv = { ...process.env };
delete benchEnv.NODE_EXTRA_CA_CERTS;

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: benchEnv, ...opts });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}
/** Interleave the contenders RUNS times; `before` runs untimed before each timing (e.g. clean). */
function race(contenders, runs = RUNS) {
  const t = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of contenders) {
      c.before?.();
      t[c.name].push(c.run());
    }
  }
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
}
function report(what, ours, peerName, peer, target) {
  const ratio = ours / peer;
  results.push({ what, ours, peerName, peer, ratio, target });
  console.log(
    `${what.padEnd(44)} repro ${fmt(ours)}  ${peerName} ${fmt(peer)}  ratio ${ratio.toFixed(2)}x${target ? `  (target ${target})` : ''}`,
  );
}
const fmt = (ms) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`).padStart(9);
const repro =
  (cwd, ...args) =>
  () =>
    time(process.execPath, [bin, ...args], { cwd });

function workload(...names) {
  const missing = names.filter((n) => !existsSync(join(ROOT, n === 'dir100k' ? 'data/dir100k' : n)));
  if (missing.length) execFileSync('bash', [join(shared, 'make-workload.sh'), '-r', ROOT, ...missing], { stdio: 'inherit' });
}
const clean = (dir) => () => execFileSync('sh', [join(dir, 'clean.sh')]);
/** What the bench parts in their own files (bench-*.mjs) get to measure with. */
const ctx = { ROOT, RUNS, bin, shared, repoRoot, benchEnv, has, median, time, race, report, fmt, repro, workload, clean, results };

if (!existsSync(join(repoRoot, 'dist', 'main.js'))) execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
mkdirSync(ROOT, { recursive: true });
console.log(`repro bench: ${RUNS} interleaved runs per figure, medians; workloads in ${ROOT}`);
if (extraCa !== undefined) {
  const nodeStart = (env) => median([0, 1, 2, 3, 4].map(() => time(process.execPath, ['-e', '0'], { env })));
  const withCa = nodeStart(process.env);
  const without = nodeStart(benchEnv);
  console.log(
    `note: NODE_EXTRA_CA_CERTS is set here; timed commands run without it (node -e 0: ${fmt(withCa).trim()} with it, ${fmt(without).trim()} without)`,
  );
}
console.log('');

if (parts.includes('noop')) {
  workload('dag', 'chain');
  for (const w of ['dag', 'chain']) {
    const dir = join(ROOT, w);
    clean(dir)();
    execFileSync(process.execPath, [bin, 'run', '--no-record'], { cwd: dir, stdio: 'ignore' });
    execFileSync('make', ['-s'], { cwd: dir, stdio: 'ignore' });
    const contenders = [
      { name: 'repro', run: repro(dir, 'run', '--no-record') },
      { name: 'make', run: () => time('make', ['-s'], { cwd: dir }) },
      { name: 'node', run: () => time(process.execPath, ['-e', '0']) },
    ];
    if (has('snakemake')) {
      execFileSync('snakemake', ['-c1', '-q'], { cwd: dir, stdio: 'ignore' });
      contenders.push({ name: 'snakemake', run: () => time('snakemake', ['-c1', '-q'], { cwd: dir }) });
    }
    const m = race(contenders);
    const n = w === 'dag' ? '200-stage DAG' : '20-stage chain';
    if (m.snakemake) report(`no-op run, ${n}`, m.repro, 'snakemake', m.snakemake, w === 'dag' ? '<= 0.25x' : undefined);
    else console.log(`(snakemake not installed: apt-get install snakemake; reference figure 590 ms)`);
    report(`no-op run, ${n}`, m.repro, 'make', m.make);
    report(`no-op run, ${n}`, m.repro, 'node -e 0', m.node, w === 'dag' ? 'aim: 150 ms absolute' : undefined);
  }
}

if (parts.includes('full')) {
  workload('dag', 'chain');
  for (const w of ['dag', 'chain']) {
    const dir = join(ROOT, w);
    const m = race(
      [
        {
          name: 'repro',
          before: () => {
            clean(dir)();
            rmSync(join(dir, '.repro'), { recursive: true, force: true });
          },
          run: repro(dir, 'run', '--no-record', '-j', '1'),
        },
        { name: 'make', before: clean(dir), run: () => time('make', ['-s', '-j1'], { cwd: dir }) },
      ],
      Math.min(RUNS, 5),
    );
    report(
      `first full run, ${w === 'dag' ? '200-stage DAG' : '20-stage chain'}, -j1`,
      m.repro,
      'make -s',
      m.make,
      w === 'dag' ? '<= 2x' : undefined,
    );
  }
  const dir = join(ROOT, 'dag');
  const m2 = race(
    [
      {
        name: 'repro',
        before: () => {
          clean(dir)();
          rmSync(join(dir, '.repro'), { recursive: true, force: true });
        },
        run: repro(dir, 'run', '--no-record', '-j', '2'),
      },
      { name: 'make', before: clean(dir), run: () => time('make', ['-s', '-j2'], { cwd: dir }) },
    ],
    Math.min(RUNS, 5),
  );
  report('first full run, 200-stage DAG, -j2', m2.repro, 'make -s', m2.make, '<= 2x');
}

if (parts.includes('hash')) {
  const big = join(ROOT, 'data', 'big.bin');
  const bytes = Number(process.env.BENCH_BIG_BYTES ?? 2 ** 31);
  if (!existsSync(big)) {
    mkdirSync(dirname(big), { recursive: true });
    execFileSync('sh', ['-c', `head -c ${bytes} /dev/urandom > '${big}'`]);
  }
  execFileSync('cat', [big], { stdio: 'ignore' }); // page cache warm
  const script = `import('${join(repoRoot, 'dist', 'cache', 'index.js')}').then(async (m) => { const c = m.openCache({ dir: '${ROOT}/hash-cache' }); await c.hashFile('${big}'); })`;
  const m = race(
    [
      { name: 'repro', run: () => time(process.execPath, ['-e', script]) },
      { name: 'openssl', run: () => time('openssl', ['dgst', '-sha256', big]) },
    ],
    Math.min(RUNS, 5),
  );
  report(
    'hashing a 2 GiB file (throughput ratio inverted)',
    m.repro,
    'openssl sha256',
    m.openssl,
    'throughput >= 0.9x, i.e. ratio <= 1.11x',
  );
  const rss = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '-e', script], { encoding: 'utf8' });
  if (rss.status === 0)
    console.log(`  peak RSS while hashing: ${(Number(rss.stderr.trim().split('\n').pop()) / 1024).toFixed(0)} MiB (constant memory)`);
}

if (parts.includes('dir')) {
  workload('dir100k');
  const wdir = join(ROOT, 'dir-ws');
  if (!existsSync(join(wdir, '.git'))) {
    mkdirSync(wdir, { recursive: true });
    execFileSync('sh', [
      '-c',
      `cp -al '${ROOT}/data/dir100k' '${wdir}/data' && cd '${wdir}' && git init -q && printf 'version: 1\\nstages:\\n  count:\\n    cmd: find data -type f | wc -l > count.txt\\n    deps: [data/]\\n    outs: [count.txt]\\n' > repro.yaml && printf 'data/\\n' > .gitignore && git add repro.yaml .gitignore && git -c user.name=b -c user.email=b@x commit -qm w`,
    ]);
  }
  const m = race(
    [
      { name: 'repro', before: () => rmSync(join(wdir, '.repro'), { recursive: true, force: true }), run: repro(wdir, 'status') },
      { name: 'sha256sum', run: () => time('sh', ['-c', `find '${wdir}/data' -type f -print0 | xargs -0 sha256sum > /dev/null`]) },
    ],
    3,
  );
  report('100k files, cold (hash everything)', m.repro, 'find|xargs sha256sum', m.sha256sum);
  execFileSync(process.execPath, [bin, 'run', '--no-record'], { cwd: wdir, stdio: 'ignore' });
  // The peer must do the same work: decide that none of the 100k files changed. In dir-ws the
  // files are git-ignored, and `git status` only lists them (d_type, no stat); so git gets its own
  // workspace with the same files committed, where its status lstat()s each one against the index.
  const gdir = join(ROOT, 'dir-git-ws');
  const committed = () => {
    try {
      execFileSync('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: gdir, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!existsSync(join(gdir, '.git')) || !committed()) {
    rmSync(gdir, { recursive: true, force: true });
    mkdirSync(gdir, { recursive: true });
    console.log('(committing the 100k files to a Git workspace for the status peer, once: ~10 s)');
    execFileSync('sh', [
      '-c',
      `cp -al '${ROOT}/data/dir100k' '${gdir}/data' && cd '${gdir}' && git init -q && git add data && git -c user.name=b -c user.email=b@x commit -qm w`,
    ]);
  }
  const w = race(
    [
      { name: 'repro', run: repro(wdir, 'status') },
      { name: 'git', run: () => time('git', ['status', '--porcelain'], { cwd: gdir }) },
    ],
    5,
  );
  report('100k files, no-op status (stat cache warm)', w.repro, 'git status (files tracked)', w.git);
}

if (parts.includes('record')) {
  workload('chain');
  const dir = join(ROOT, 'record-ws');
  rmSync(dir, { recursive: true, force: true });
  execFileSync('sh', ['-c', `cp -r '${ROOT}/chain' '${dir}' && cd '${dir}' && ./clean.sh`]);
  let i = 0;
  const m = race([
    {
      name: 'repro',
      run: () => {
        writeFileSync(join(dir, 's00.txt'), `x ${i++}\n`);
        return time(process.execPath, [bin, 'run', 's01'], { cwd: dir });
      },
    },
    {
      name: 'repro-norec',
      run: () => {
        writeFileSync(join(dir, 's00.txt'), `y ${i++}\n`);
        return time(process.execPath, [bin, 'run', 's01', '--no-record'], { cwd: dir });
      },
    },
    {
      name: 'git',
      run: () => {
        writeFileSync(join(dir, 's00.txt'), `z ${i++}\n`);
        return time('sh', ['-c', 'git add -A && git -c user.name=b -c user.email=b@x commit -qm x'], { cwd: dir });
      },
    },
  ]);
  report('recording one run, end to end (with minus --no-record)', m.repro - m['repro-norec'], 'git add+commit', m.git);
  // The Git write alone (snapshot of tracked files + commit + ref), in-process, module loaded.
  const script = `const r = await import('${join(repoRoot, 'dist', 'record', 'index.js')}');
    const repo = await r.findRepo('${dir}'); const ts = [];
    for (let i = 0; i < 15; i++) { const t0 = performance.now();
      const tree = await r.snapshotTree({ repo, extraFiles: { 'x.json': String(i) } });
      await r.writeRunCommit({ repo, runId: r.newRunId(), tree, message: 'bench', parents: repo.head ? [repo.head] : [] });
      ts.push(performance.now() - t0); }
    ts.sort((a, b) => a - b); console.log(ts[7]);`;
  const inproc = Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
  report('recording one run, Git write in-process', inproc, 'git add+commit', m.git, '<= 50 ms');
}

if (parts.includes('vary')) {
  // `repro verify --vary` on the 20-stage chain (issue 15), against re-running the chain by hand.
  const { benchVary } = await import('./bench-vary.mjs');
  await benchVary(ctx);
}

if (parts.includes('scale')) {
  // Cost curves: stages (200 / 2,000 / 10,000), files (10k / 100k / 1M), bytes (2 GiB / 20 GiB).
  const { benchScale } = await import('./bench-scale.mjs');
  await benchScale(ctx);
}

if (parts.includes('remote')) {
  // Cache remotes (S3 through a local Ceph gateway, and a directory) against rclone and cp -r.
  const { benchRemote } = await import('./bench-remote.mjs');
  await benchRemote(ctx);
}

writeFileSync(join(ROOT, 'results.json'), JSON.stringify(results, null, 2));
console.log(`\nfigures saved to ${join(ROOT, 'results.json')}`);
