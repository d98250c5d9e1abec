// Scale axis `files` (issue 16): one directory output of 10k, 100k and 1M small files.
//   first store: the first `repro run` of a one-stage pipeline whose output is the directory, vs
//                `find DIR -type f -print0 | xargs -0 -P2 sha256sum` (both cores);
//   no-op status: `repro status` with everything stored, vs `git status --porcelain` on a
//                workspace with the same files committed;
//   peak RSS of each repro figure (`/usr/bin/time -f %M` around each timed run).
// BENCH_SCALE_FILES_MAX caps the sizes (e.g. 100000 for a quick run); BENCH_SCALE_FILES_STORE=0
// skips the first-store race (the workspace is still stored once when it is not). Workspaces are built once
// per size under ROOT and reused; `git add` of 1M files takes minutes, so its workspace is kept.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesDir } from './bench-scale-workload.mjs';

const SIZES = [10000, 100000, 1000000];
const label = (n) => (n >= 1e6 ? `${n / 1e6}m` : `${n / 1000}k`);

/** repro workspace: the stage moves `stash/` into place as `data/`, so its command costs nothing. */
function reproWs(ctx, n, src) {
  const ws = join(ctx.ROOT, `files-ws-${label(n)}`);
  if (existsSync(join(ws, '.git'))) return ws;
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  execFileSync('cp', ['-al', src, join(ws, 'stash')]);
  writeFileSync(join(ws, 'repro.yaml'), 'version: 1\nstages:\n  store:\n    cmd: mv stash data\n    outs: [data/]\n');
  writeFileSync(join(ws, '.gitignore'), 'data/\nstash/\n');
  const git = (...a) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@x', ...a], { cwd: ws, stdio: 'ignore' });
  git('init', '-q');
  git('add', 'repro.yaml', '.gitignore');
  git('commit', '-qm', 'w');
  return ws;
}

/** Git workspace with the same files committed (the status peer); built into a temp name. */
function gitWs(ctx, n, src) {
  const ws = join(ctx.ROOT, `files-git-${label(n)}`);
  if (existsSync(ws)) return ws;
  const tmp = `${ws}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  console.log(`(committing ${n} files to ${ws} for the status peer, once)`);
  const t0 = performance.now();
  execFileSync('sh', [
    '-c',
    `cp -al '${src}' '${tmp}/data' && cd '${tmp}' && git init -q && git add data && git -c user.name=b -c user.email=b@x commit -qm w`,
  ]);
  renameSync(tmp, ws);
  console.log(`(built in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return ws;
}

/** Put the workspace back to "nothing stored yet": no .repro, the files in stash/. */
function reset(ws) {
  rmSync(join(ws, '.repro'), { recursive: true, force: true });
  if (existsSync(join(ws, 'data'))) {
    rmSync(join(ws, 'stash'), { recursive: true, force: true });
    renameSync(join(ws, 'data'), join(ws, 'stash'));
  }
}

/**
 * A timed repro command run under `/usr/bin/time -f %M`, so every timing also gives its peak RSS
 * (the largest seen is kept in `peak[key]`): no extra run is needed, which matters at 1M files.
 */
function reproRss(ctx, peak, key, ws, ...args) {
  return () => {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ctx.bin, ...args], {
      cwd: ws,
      env: ctx.benchEnv,
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`repro ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    peak[key] = Math.max(peak[key] ?? 0, Number(r.stderr.trim().split('\n').pop()) / 1024);
    return ms;
  };
}

/** What Node itself costs to list and lstat the files (readdir + lstatSync, nothing kept): the floor. */
const FLOOR = `const fs = require('fs'); const visit = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = d + '/' + e.name; if (e.isDirectory()) visit(p); else fs.lstatSync(p); } }; visit(process.argv[1]);`;

export async function bench(ctx) {
  const max = Number(process.env.BENCH_SCALE_FILES_MAX ?? Infinity);
  const sizes = SIZES.filter((n) => n <= max);
  console.log(`load: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
  const rows = [];
  for (const n of sizes) {
    const src = filesDir(ctx, n);
    const ws = reproWs(ctx, n, src);
    const gws = gitWs(ctx, n, src);
    const peak = {};
    const runs = n >= 1e6 ? 1 : n >= 1e5 ? 3 : 5;
    const timeStore = process.env.BENCH_SCALE_FILES_STORE !== '0';
    if (!timeStore && !existsSync(join(ws, '.repro'))) {
      reset(ws);
      ctx.repro(ws, 'run', '--no-record')();
    }
    const first = !timeStore
      ? undefined
      : ctx.race(
          [
            { name: 'repro', before: () => reset(ws), run: reproRss(ctx, peak, 'store', ws, 'run', '--no-record') },
            {
              name: 'sha',
              run: () => ctx.time('sh', ['-c', `find '${join(ws, 'data')}' -type f -print0 | xargs -0 -P2 sha256sum > /dev/null`]),
            },
          ],
          runs,
        );
    ctx.repro(ws, 'status')(); // the stat cache settles (files just stored are racy once)
    const st = ctx.race(
      [
        { name: 'repro', run: reproRss(ctx, peak, 'status', ws, 'status') },
        { name: 'git', run: () => ctx.time('git', ['status', '--porcelain'], { cwd: gws }) },
        { name: 'floor', run: () => ctx.time(process.execPath, ['-e', FLOOR, join(ws, 'data')]) },
      ],
      n >= 1e6 ? 3 : 5,
    );
    const { store: firstRss, status: stRss } = peak;
    if (first)
      ctx.report(`${label(n)} files, first store`, first.repro, 'xargs -P2 sha256sum', first.sha, n === 1e5 ? '≤ 1.0x' : undefined);
    ctx.report(`${label(n)} files, no-op status`, st.repro, 'git status', st.git, n >= 1e5 ? '≤ 1.5x' : undefined);
    console.log(`  bare Node walk + lstat (the floor for a status in Node): ${ctx.fmt(st.floor).trim()}`);
    console.log(`  peak RSS: first store ${firstRss?.toFixed(0) ?? '-'} MiB, status ${stRss.toFixed(0)} MiB`);
    rows.push({ n, store: first?.repro ?? NaN, sha: first?.sha ?? NaN, status: st.repro, git: st.git, firstRss: firstRss ?? NaN, stRss });
  }
  console.log('\nsize   first store (growth)   sha256sum -P2   no-op status (growth)   git status   RSS store/status');
  rows.forEach((r, i) => {
    const p = rows[i - 1];
    const g = (a, b) => (p && a === a ? `${(a / b).toFixed(1)}x` : '-').padStart(6);
    const f = (ms) => (ms === ms ? ctx.fmt(ms) : '-'.padStart(9)); // NaN: not measured (BENCH_SCALE_FILES_STORE=0)
    console.log(
      `${label(r.n).padEnd(6)} ${f(r.store)} ${g(r.store, p?.store)}       ${f(r.sha)}       ${ctx.fmt(r.status)} ${g(r.status, p?.status)}         ${ctx.fmt(r.git)}   ${r.firstRss === r.firstRss ? r.firstRss.toFixed(0) : '-'}/${r.stRss.toFixed(0)} MiB`,
    );
  });
}
