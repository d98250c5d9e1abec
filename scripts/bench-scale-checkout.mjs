// `BENCH_SCALE=checkout npm run bench -- scale`: checkout of a whole 10k / 100k / 1M-file directory
// output into an empty workspace, in copy mode against `cp -r` and in hardlink mode against
// `cp -al` (issue 16), with peak RSS and the growth factor from one size to the next.
// BENCH_SCALE_FILES_MAX caps the sizes (e.g. 100000 skips the 1M one). BENCH_CHECKOUT_BASE=<a
// bin/repro.js of another build> races that build too (an A/B in the same run, same load).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { filesDir } from './bench-scale-workload.mjs';

const SIZES = [10000, 100000, 1000000];
/** `.exprc` of each mode: the link type list that `cache.link` takes (src/config/config.ts). */
const MODES = [
  { mode: 'copy', link: 'copy', peer: 'cp -r', peerArgs: ['-r'], target: '<= 1.0x' },
  { mode: 'hardlink', link: 'hardlink', peer: 'cp -al', peerArgs: ['-al'], target: '<= 1.2x' },
];

/** Peak RSS in MiB of one run of `cmd args` (GNU time's %M), or undefined without /usr/bin/time. */
export function peakRss(ctx, cmd, args, opts = {}) {
  if (!existsSync('/usr/bin/time')) return undefined;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', env: ctx.benchEnv, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return Number(r.stderr.trim().split('\n').pop()) / 1024;
}

/**
 * ROOT/checkout-ws-<n>/: a Git workspace whose one stage copies the `n`-file directory into `out/`,
 * run once so that the cache holds it and repro.lock names it. Built once.
 */
function workspace(ctx, n, src) {
  const ws = join(ctx.ROOT, `checkout-ws-${n}`);
  if (existsSync(join(ws, 'repro.lock'))) return ws;
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, 'repro.yaml'), `version: 1\nstages:\n  make:\n    cmd: cp -r '${src}' out\n    outs: [out/]\n`);
  writeFileSync(join(ws, '.gitignore'), 'out/\n');
  execFileSync('sh', ['-c', 'git init -q && git add repro.yaml .gitignore && git -c user.name=b -c user.email=b@x commit -qm w'], {
    cwd: ws,
  });
  console.log(`(storing ${n} files in ${ws}, once)`);
  execFileSync(process.execPath, [ctx.bin, 'run', '--no-record'], { cwd: ws, stdio: 'inherit', env: ctx.benchEnv });
  return ws;
}

export async function bench(ctx) {
  const max = Number(process.env.BENCH_SCALE_FILES_MAX ?? Infinity);
  const sizes = SIZES.filter((n) => n <= max);
  const rows = [];
  for (const n of sizes) {
    const src = filesDir(ctx, n);
    const ws = workspace(ctx, n, src);
    const out = join(ws, 'out');
    const peerDir = join(ctx.ROOT, `checkout-peer-${n}`);
    const runs = n >= 1e6 ? Math.min(ctx.RUNS, 3) : Math.min(ctx.RUNS, 5);
    for (const m of MODES) {
      writeFileSync(join(ws, '.exprc'), `cache:\n  link: [${m.link}]\n`);
      const empty = (dir) => () => rmSync(dir, { recursive: true, force: true });
      const base = process.env.BENCH_CHECKOUT_BASE;
      const contenders = [
        { name: 'repro', before: empty(out), run: ctx.repro(ws, 'checkout') },
        { name: 'peer', before: empty(peerDir), run: () => ctx.time('cp', [...m.peerArgs, src, peerDir]) },
      ];
      if (base)
        contenders.push({ name: 'base', before: empty(out), run: () => ctx.time(process.execPath, [base, 'checkout'], { cwd: ws }) });
      const t = ctx.race(contenders, runs);
      empty(out)();
      const rss = peakRss(ctx, process.execPath, [ctx.bin, 'checkout'], { cwd: ws });
      empty(peerDir)();
      const peerRss = peakRss(ctx, 'cp', [...m.peerArgs, src, peerDir]);
      empty(peerDir)();
      ctx.report(`checkout of ${n} files, ${m.mode} mode`, t.repro, m.peer, t.peer, n === 100000 ? m.target : undefined);
      console.log(
        `${''.padEnd(44)} load ${loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')}`,
      );
      if (base) console.log(`${''.padEnd(44)} base  ${ctx.fmt(t.base)}  (${base}; this build / base ${(t.repro / t.base).toFixed(2)}x)`);
      rows.push({ n, mode: m.mode, repro: t.repro, peer: t.peer, peerName: m.peer, rss, peerRss });
    }
    rmSync(join(ws, '.exprc'), { force: true });
  }
  printTable(ctx, rows);
}

function printTable(ctx, rows) {
  console.log('\ncheckout into an empty workspace (medians; growth = time / time at the size before)');
  console.log('files      mode      repro     growth  peer                growth  ratio  repro RSS  peer RSS');
  for (const r of rows) {
    const prev = rows.find((p) => p.mode === r.mode && p.n === r.n / 10);
    const g = (a, b) => (b ? `${(a / b).toFixed(1)}x` : '-').padStart(6);
    const mib = (x) => (x === undefined ? '-' : `${x.toFixed(0)} MiB`).padStart(9);
    console.log(
      `${String(r.n).padEnd(10)} ${r.mode.padEnd(9)} ${ctx.fmt(r.repro)} ${g(r.repro, prev?.repro)}  ${r.peerName.padEnd(7)}${ctx.fmt(r.peer)}  ${g(r.peer, prev?.peer)}  ${(r.repro / r.peer).toFixed(2)}x ${mib(r.rss)} ${mib(r.peerRss)}`,
    );
  }
}
