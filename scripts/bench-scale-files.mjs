// Scale axis `files` (issue 16): one directory output of 10k, 100k and 1M small files.
//   first store: the first `repro run` of a one-stage pipeline whose output is the directory, in
//                copy mode (the default link types; ext4 has no reflink, so every byte is written
//                again) and in hardlink mode (`cache.link: [hardlink]`: hash + link, no data
//                written), each vs `find DIR -type f -print0 | xargs -0 -P2 sha256sum` (both
//                cores) and vs its physical peer in the same run: `cp -r` / `cp -al` of the tree.
//                BENCH_STORE_SERIAL=1 adds the copy-mode store on one thread (REPRO_STORE_THREADS=0),
//                the A/B for the worker pool;
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

/**
 * repro workspace: the stage moves `stash/` into place as `data/`, so its command costs nothing.
 * `hardlink`: a workspace of its own with `cache.link: [hardlink]`, its files a real copy (a
 * hardlink store makes the workspace inodes the read-only objects: linked to the shared tree,
 * that would change the files under the git peer's index).
 */
function reproWs(ctx, n, src, hardlink = false) {
  const ws = join(ctx.ROOT, `files-ws-${label(n)}${hardlink ? '-hl' : ''}`);
  if (existsSync(join(ws, '.git'))) return ws;
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  execFileSync('cp', [hardlink ? '-r' : '-al', src, join(ws, 'stash')]);
  if (hardlink) writeFileSync(join(ws, '.exprc'), 'cache:\n  link: [hardlink]\n');
  writeFileSync(join(ws, 'repro.yaml'), 'version: 1\nstages:\n  store:\n    cmd: mv stash data\n    outs: [data/]\n');
  writeFileSync(join(ws, '.gitignore'), 'data/\nstash/\n');
  const git = (...a) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@x', ...a], { cwd: ws, stdio: 'ignore' });
  git('init', '-q');
  git('add', 'repro.yaml', '.gitignore', ...(hardlink ? ['.exprc'] : []));
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

/**
 * Put the workspace back to "nothing stored yet": no .repro, the files in stash/. Then `sync`, as
 * after every reset here: removing 100k objects (400 MB of copies in copy mode) leaves the kernel
 * writeback and discards that otherwise land on whichever contender runs next (a hardlink store
 * timed at 30.9 s right after the copy-mode reset took 8.5-9.9 s after a sync).
 */
function reset(ws) {
  rmSync(join(ws, '.repro'), { recursive: true, force: true });
  if (existsSync(join(ws, 'data'))) {
    rmSync(join(ws, 'stash'), { recursive: true, force: true });
    renameSync(join(ws, 'data'), join(ws, 'stash'));
  }
  execFileSync('sync');
}

/**
 * A timed repro command run under `/usr/bin/time -f %M`, so every timing also gives its peak RSS
 * (the largest seen is kept in `peak[key]`): no extra run is needed, which matters at 1M files.
 */
function reproRss(ctx, peak, key, ws, ...args) {
  return reproRssEnv(ctx, peak, key, ws, {}, ...args);
}
function reproRssEnv(ctx, peak, key, ws, env, ...args) {
  return () => {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ctx.bin, ...args], {
      cwd: ws,
      env: { ...ctx.benchEnv, ...env },
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
    const hws = reproWs(ctx, n, src, true);
    const gws = gitWs(ctx, n, src);
    const peak = {};
    const runs = n >= 1e6 ? 1 : n >= 1e5 ? 3 : 5;
    const cpDest = join(ctx.ROOT, `files-cp-${label(n)}`);
    const rmDest = () => {
      rmSync(cpDest, { recursive: true, force: true });
      execFileSync('sync');
    };
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
            ...(process.env.BENCH_STORE_SERIAL === '1'
              ? [
                  {
                    name: 'serial',
                    before: () => reset(ws),
                    run: reproRssEnv(ctx, peak, 'serial', ws, { REPRO_STORE_THREADS: '0' }, 'run', '--no-record'),
                  },
                ]
              : []),
            { name: 'hl', before: () => reset(hws), run: reproRss(ctx, peak, 'storeHl', hws, 'run', '--no-record') },
            {
              name: 'sha',
              before: () => execFileSync('sync'),
              run: () => ctx.time('sh', ['-c', `find '${join(ws, 'data')}' -type f -print0 | xargs -0 -P2 sha256sum > /dev/null`]),
            },
            { name: 'cpr', before: rmDest, run: () => ctx.time('cp', ['-r', join(ws, 'data'), cpDest]) },
            { name: 'cpal', before: rmDest, run: () => ctx.time('cp', ['-al', join(ws, 'data'), cpDest]) },
          ],
          runs,
        );
    rmDest();
    ctx.repro(ws, 'status')(); // the stat cache settles (files just stored are racy once)
    const st = ctx.race(
      [
        { name: 'repro', run: reproRss(ctx, peak, 'status', ws, 'status') },
        { name: 'git', run: () => ctx.time('git', ['status', '--porcelain'], { cwd: gws }) },
        { name: 'floor', run: () => ctx.time(process.execPath, ['-e', FLOOR, join(ws, 'data')]) },
      ],
      n >= 1e6 ? 3 : 5,
    );
    const { store: firstRss, storeHl: hlRss, status: stRss } = peak;
    if (first) {
      ctx.report(`${label(n)} files, first store (copy)`, first.repro, 'xargs -P2 sha256sum', first.sha, n === 1e5 ? '≤ 1.0x' : undefined);
      ctx.report(`${label(n)} files, first store (copy)`, first.repro, 'cp -r', first.cpr, n === 1e5 ? 'aim ≤ 1.2x' : undefined);
      if (first.serial !== undefined) ctx.report(`${label(n)} files, first store (copy, one thread)`, first.serial, 'cp -r', first.cpr);
      ctx.report(`${label(n)} files, first store (hardlink)`, first.hl, 'xargs -P2 sha256sum', first.sha, n === 1e5 ? '≤ 1.0x' : undefined);
      ctx.report(`${label(n)} files, first store (hardlink)`, first.hl, 'cp -al', first.cpal, n === 1e5 ? 'aim ≤ 1.5x' : undefined);
      // What a store cannot do without: hash every file and write (copy) or link (hardlink) it.
      // The sum of the two peers' medians is that floor (docs/bench.md, "the first store's floor").
      ctx.report(`${label(n)} files, first store (copy)`, first.repro, 'sha256sum -P2 + cp -r', first.sha + first.cpr);
      ctx.report(`${label(n)} files, first store (hardlink)`, first.hl, 'sha256sum -P2 + cp -al', first.sha + first.cpal);
    }
    ctx.report(`${label(n)} files, no-op status`, st.repro, 'git status', st.git, n >= 1e5 ? '≤ 1.5x' : undefined);
    console.log(`  bare Node walk + lstat (the floor for a status in Node): ${ctx.fmt(st.floor).trim()}`);
    console.log(
      `  peak RSS: first store ${firstRss?.toFixed(0) ?? '-'} MiB (copy), ${hlRss?.toFixed(0) ?? '-'} MiB (hardlink); status ${stRss.toFixed(0)} MiB`,
    );
    rows.push({
      n,
      store: first?.repro ?? NaN,
      sha: first?.sha ?? NaN,
      status: st.repro,
      git: st.git,
      firstRss: firstRss ?? NaN,
      stRss,
      hl: first?.hl ?? NaN,
      cpr: first?.cpr ?? NaN,
      cpal: first?.cpal ?? NaN,
    });
  }
  if (rows.some((r) => r.store === r.store)) console.log('\nsize   first store copy / cp -r   hardlink / cp -al   (both vs sha256sum -P2)');
  for (const r of rows.filter((x) => x.store === x.store)) {
    console.log(
      `${label(r.n).padEnd(6)} ${ctx.fmt(r.store)} / ${ctx.fmt(r.cpr)} (${(r.store / r.cpr).toFixed(2)}x)   ${ctx.fmt(r.hl)} / ${ctx.fmt(r.cpal)} (${(r.hl / r.cpal).toFixed(2)}x)   ${(r.store / r.sha).toFixed(1)}x / ${(r.hl / r.sha).toFixed(1)}x of ${ctx.fmt(r.sha).trim()}`,
    );
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
