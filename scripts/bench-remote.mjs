// `npm run bench -- remote`: repro push / fetch / pull against a real S3 server on this machine
// (Ceph RGW from ../shared/bench/ceph-rgw-up.sh; a gateway already up on 127.0.0.1:7480 is used
// as it is) and against a directory remote, interleaved with `rclone copy` (same concurrency) and
// `cp -r`. Called by bench.mjs with its helpers; see docs/bench.md ("Remotes").
//
// Env: BENCH_REMOTE_SETS (default "dir10k,dir100k"; dir100k through S3 takes many minutes on a
// loaded machine: BENCH_REMOTE_SETS=dir10k leaves it out), BENCH_REMOTE_PARTS
// (default "s3,big,noop,dir": transfers of the sets through S3, the 2 GiB file, the no-op and
// one-change pushes of dir100k, the directory remote), BENCH_JOBS (default 16: repro -j and
// rclone --transfers/--checkers), BENCH_REMOTE_BASE (a bin/repro.js of another build: the 2 GiB
// fetch by that build too, an A/B in the same run), BENCH_DIRREMOTE_BASE (likewise for the
// directory-remote part).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ENDPOINT = 'http://127.0.0.1:7480';
const KEYS = { access: 'BENCHACCESSKEY', secret: 'BENCHSECRETKEY' };

export async function benchRemote(h) {
  const { ROOT, RUNS, bin, shared, benchEnv, time, race, report, workload } = h;
  const jobs = Number(process.env.BENCH_JOBS ?? 16);
  const sets = (process.env.BENCH_REMOTE_SETS ?? 'dir10k,dir100k').split(',').filter(Boolean);
  const want = new Set((process.env.BENCH_REMOTE_PARTS ?? 's3,big,noop,dir').split(','));
  const env = {
    ...benchEnv,
    AWS_ACCESS_KEY_ID: KEYS.access,
    AWS_SECRET_ACCESS_KEY: KEYS.secret,
    AWS_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
    RCLONE_CONFIG_BENCH_ENDPOINT: ENDPOINT,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: KEYS.access,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: KEYS.secret,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
  };
  // A CA bundle for AWS (set on the machines here) is for TLS; the gateway is plain HTTP on
  // localhost, and rclone refuses to start with it set for a custom endpoint.
  delete env.AWS_CA_BUNDLE;
  const run = (cmd, args, opts = {}) => time(cmd, args, { env, ...opts });
  const quiet = (cmd, args, opts = {}) => execFileSync(cmd, args, { env, stdio: 'ignore', ...opts });
  const reproIn = (cwd, ...args) => run(process.execPath, [bin, ...args], { cwd });
  const rclone = (...args) => run('rclone', ['--transfers', String(jobs), '--checkers', String(jobs), ...args]);
  // On ext4 without a journal (this machine's root), allocating an inode skips every free one
  // freed less than 60 s ago, or 360 s while its inode table block is dirty (creating files near
  // it dirties it), with a buffer lookup per skip (fs/ext4/ialloc.c, find_inode_bit and
  // recently_deleted): creating 10k-100k files after as many were removed measured that, not the
  // copy (perf: 35% of a copy's time there 2 minutes after the bench removed its trees; a `cp -r`
  // of 10k files 4 s after removing 1.4M inodes took 3.9 s, docs/bench.md). Every tree removed
  // here is stamped in ROOT/removed-at; the directory-remote part, whose races create files, runs
  // first and starts only once the last removal is 370 s old (an earlier bench run's count too).
  const stamp = join(ROOT, 'removed-at');
  const removeTree = (p) => removeStamped(ROOT, p);
  const settle = async () => {
    spawnSync('sync');
    const at = existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) || 0 : 0;
    const left = at + 370_000 - Date.now();
    if (left <= 0) return;
    console.log(`(waiting ${Math.ceil(left / 1000)} s: ext4 creates files slowly for minutes after many were removed)`);
    await new Promise((r) => setTimeout(r, left));
  };

  if (spawnSync('sh', ['-c', 'command -v rclone']).status !== 0)
    return console.log('(remote part skipped: rclone is not installed: apt-get install rclone)');
  const started = want.has('s3') || want.has('big') || want.has('noop') ? await gateway(shared, env) : '';
  if (started === null) return console.log('(S3 part skipped: no gateway and radosgw is not installed)');
  console.log(
    `machine: ${execFileSync('nproc').toString().trim()} CPUs, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; -j ${jobs}`,
  );

  let bucketN = 0;
  const freshBucket = () => {
    const b = `bench-${process.pid}-${bucketN++}`;
    quiet('rclone', ['mkdir', `bench:${b}`]);
    return b;
  };
  // Deleting a big object leaves its tail to RGW's garbage collector (hours later by default):
  // process it now, or the in-memory OSD fills up.
  const conf = [started, '/tmp/repro-bench-ceph', '/tmp/repro-test-ceph', '/tmp/ceph']
    .map((d) => d && join(d, 'ceph.conf'))
    .find((f) => f && existsSync(f));
  const dropBucket = (b) => {
    if (!b) return;
    spawnSync('rclone', ['purge', `bench:${b}`], { env, stdio: 'ignore' });
    if (conf) spawnSync('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], { env, stdio: 'ignore' });
  };
  const purged = [];
  // The bucket the dir100k transfers left filled, reused by the no-op part (a first push of 100k
  // objects into the gateway costs minutes).
  let filled100k;
  // Trees the directory-remote part set aside, removed once every part is done (`settle`).
  const trash = [];
  try {
    for (const set of sets) {
      workload(set);
      workspace(ROOT, `remote-ws-${set}`, join(ROOT, 'data', set), env, bin);
    }
    // The directory remote first: its races create 10k-100k files, slow for minutes after many
    // were removed (`settle`), and the S3 parts remove the trees they fetch.
    if (want.has('dir')) await dirRemote();
    for (const set of sets) {
      const src = join(ROOT, 'data', set);
      const ws = join(ROOT, `remote-ws-${set}`);
      if (want.has('s3')) {
        const kept = await transfers(`${set} (${count(src)} files)`, ws, src, { keep: set === 'dir100k' && want.has('noop') });
        if (kept) purged.push((filled100k = kept));
      }
    }
    if (want.has('big')) {
      const big = join(ROOT, 'data', 'big.bin');
      if (!existsSync(big)) execFileSync('sh', ['-c', `mkdir -p '${ROOT}/data' && head -c ${2 ** 31} /dev/urandom > '${big}'`]);
      const bigDir = join(ROOT, 'data', 'bigdir');
      if (!existsSync(bigDir)) execFileSync('sh', ['-c', `mkdir -p '${bigDir}' && ln '${big}' '${bigDir}/big.bin'`]);
      const ws = workspace(ROOT, 'remote-ws-big', bigDir, env, bin);
      await transfers('a 2 GiB file', ws, bigDir, { big: true });
    }
    if (want.has('noop')) {
      workload('dir100k');
      await noop100k(workspace(ROOT, 'remote-ws-dir100k', join(ROOT, 'data', 'dir100k'), env, bin), filled100k);
    }
  } finally {
    for (const p of trash.splice(0)) removeTree(p);
    spawnSync('sync');
    for (const b of purged) dropBucket(b);
    if (started) quiet('bash', [join(shared, 'ceph-rgw-down.sh')], { env: { ...env, CD: started } });
  }

  /** push, fetch and pull of one workload through S3, against rclone copy up and down. */
  async function transfers(what, ws, src, { big, keep }) {
    const runs = big ? Math.min(RUNS, 3) : Math.min(RUNS, 5);
    const setRemote = (b) => quiet(process.execPath, [bin, 'remote', 'modify', 's3', 'url', `s3://${b}/cache`], { cwd: ws });
    const reset = () => rmSync(join(ws, '.repro', 'remotes'), { recursive: true, force: true });
    let ourBucket;
    let theirBucket;
    const extra = big ? ['--s3-chunk-size', '16M', '--s3-upload-concurrency', '4'] : [];
    // The in-memory OSD holds 4 GiB: two copies of the 2 GiB file do not fit, so for it each
    // contender's bucket goes before the other's push. The small sets keep ours (a second untimed
    // push of dir100k would cost as much as the timed one).
    const dropBoth = () => {
      dropBucket(ourBucket);
      dropBucket(theirBucket);
      ourBucket = theirBucket = undefined;
    };
    const dropTheirs = () => {
      dropBucket(theirBucket);
      theirBucket = undefined;
    };
    const up = race(
      [
        {
          name: 'repro',
          before: () => {
            dropBoth();
            setRemote((ourBucket = freshBucket()));
            reset();
          },
          run: () => reproIn(ws, 'push', '-r', 's3', '-j', String(jobs)),
        },
        {
          name: 'rclone',
          before: () => {
            (big ? dropBoth : dropTheirs)();
            theirBucket = freshBucket();
          },
          run: () => rclone('copy', ...extra, src, `bench:${theirBucket}/data`),
        },
      ],
      runs,
    );
    dropBucket(theirBucket);
    if (!ourBucket) {
      setRemote((ourBucket = freshBucket()));
      reset();
      quiet(process.execPath, [bin, 'push', '-r', 's3', '-j', String(jobs)], { cwd: ws });
    }
    report(`push ${what}, S3 (throughput ratio inverted)`, up.repro, 'rclone copy', up.rclone, big ? '<= 1.11x' : '<= 1.25x');
    if (big) {
      // Once more, measured for memory; it becomes the bucket fetched from (the OSD holds 4 GiB).
      dropBucket(ourBucket);
      setRemote((ourBucket = freshBucket()));
      reset();
      rssOf('push', [bin, 'push', '-r', 's3', '-j', String(jobs)], ws, () => {});
    }
    const cache = join(ws, '.repro', 'cache');
    const saved = join(ws, '.repro', 'cache.bench');
    removeTree(saved);
    execFileSync('mv', [cache, saved]);
    const down = join(ROOT, 'remote-down');
    try {
      const m = race(
        [
          {
            name: 'repro',
            before: () => removeTree(cache),
            run: () => reproIn(ws, 'fetch', '-r', 's3', '-j', String(jobs)),
          },
          // A/B for the big file: the same fetch as ranged GETs from the main thread (off by
          // default, src/remote/s3.ts RANGED_BYTES), from 128 MiB, 16 MiB parts, 4 in flight.
          ...(big
            ? [
                {
                  name: 'ranged',
                  before: () => removeTree(cache),
                  run: () =>
                    run(process.execPath, [bin, 'fetch', '-r', 's3', '-j', String(jobs)], {
                      cwd: ws,
                      env: { ...env, REPRO_S3_RANGED_BYTES: String(128 * 2 ** 20) },
                    }),
                },
              ]
            : []),
          // BENCH_REMOTE_BASE=<bin/repro.js of another build>: the same fetch by that build (A/B).
          ...(big && process.env.BENCH_REMOTE_BASE
            ? [
                {
                  name: 'base',
                  before: () => removeTree(cache),
                  run: () =>
                    run(process.execPath, [process.env.BENCH_REMOTE_BASE, 'fetch', '-r', 's3', '-j', String(jobs)], { cwd: ws, env }),
                },
              ]
            : []),
          {
            name: 'rclone',
            before: () => removeTree(down),
            // The same objects repro fetches, so the same bytes and the same number of files.
            run: () => rclone('copy', ...(big ? ['--multi-thread-streams', '4'] : []), `bench:${ourBucket}/cache/objects`, down),
          },
        ],
        runs,
      );
      report(`fetch ${what}, S3 (throughput ratio inverted)`, m.repro, 'rclone copy', m.rclone, big ? '<= 1.11x' : '<= 1.25x');
      if (big) report(`fetch ${what}, S3, ranged GETs, 4 x 16 MiB (A/B)`, m.ranged, 'rclone copy', m.rclone);
      if (m.base) report(`fetch ${what}, S3, BENCH_REMOTE_BASE's build (A/B)`, m.base, 'rclone copy', m.rclone);
      if (big) rssOf('fetch', [bin, 'fetch', '-r', 's3', '-j', String(jobs)], ws, () => removeTree(cache));
    } finally {
      removeTree(cache);
      execFileSync('mv', [saved, cache]);
      removeTree(down);
    }
    if (keep) return ourBucket;
    dropBucket(ourBucket);
  }

  /** Peak RSS of one run of a command (after `before`), from /usr/bin/time -v. */
  function rssOf(what, args, cwd, before) {
    before();
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { cwd, env, encoding: 'utf8' });
    const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '')?.[1];
    console.log(`  peak RSS of repro ${what} of the 2 GiB file: ${kb ? `${(Number(kb) / 1024).toFixed(0)} MiB` : `unknown (${r.status})`}`);
  }

  /** A no-op push of the 100k-file directory, and a push of one changed file in it. */
  async function noop100k(ws, filled) {
    // BENCH_NOOP_REMOTE=dir: through the directory remote. Through S3 (the default) it reuses the
    // bucket the dir100k transfers filled, when they ran: what that push remembered
    // (.repro/remotes/) is kept, as a user's clone would keep it.
    const r = process.env.BENCH_NOOP_REMOTE ?? 's3';
    if (r === 's3' && filled) {
      quiet(process.execPath, [bin, 'remote', 'modify', 's3', 'url', `s3://${filled}/cache`], { cwd: ws });
    } else if (r === 's3') {
      const b = freshBucket();
      purged.push(b);
      quiet(process.execPath, [bin, 'remote', 'modify', 's3', 'url', `s3://${b}/cache`], { cwd: ws });
      rmSync(join(ws, '.repro', 'remotes'), { recursive: true, force: true });
    } else {
      removeTree(join(ROOT, 'remote-dir-store'));
      rmSync(join(ws, '.repro', 'remotes'), { recursive: true, force: true });
    }
    quiet(process.execPath, [bin, 'push', '-r', r, '-j', String(jobs)], { cwd: ws });
    const noop = race([{ name: 'repro', run: () => reproIn(ws, 'push', '-r', r) }], 5);
    report(`no-op push, 100k files, ${r} remote (absolute)`, noop.repro, 'target', 2000, '<= 2 s');
    let i = 0;
    // The change goes into the stage's source (the stage copies it into its output `data/`): one
    // new file, so one new object and a new manifest each time. Removed afterwards.
    const changed = join(ROOT, 'data', 'dir100k', 'changed.txt');
    const one = race(
      [
        {
          name: 'repro',
          before: () => {
            rmSync(changed, { force: true });
            writeFileSync(changed, `change ${process.pid} ${i++}\n`);
            quiet(process.execPath, [bin, 'run', '--force', '--no-record'], { cwd: ws });
          },
          run: () => reproIn(ws, 'push', '-r', r),
        },
      ],
      5,
    );
    rmSync(changed, { force: true });
    report(`push of one changed file, 100k files, ${r} remote (absolute)`, one.repro, 'target', 2000, '<= 2 s');
  }

  /** push and fetch through a directory remote on the same disk, against cp -r of the same files. */
  async function dirRemote() {
    const base = process.env.BENCH_DIRREMOTE_BASE;
    const baseIn = (cwd, ...args) => run(process.execPath, [base, ...args], { cwd });
    // Each contender starts with a fresh directory where the last one wrote: the old tree is
    // renamed aside (instant) and its writes synced. Removing 10k-100k files and re-creating
    // them at once left ext4 slow for whoever ran next (openat at 300-400 us a call, `cp -r` of
    // 10k files 4-8 s instead of ~0.5 s; docs/bench.md): ext4 skips recently deleted inodes when
    // it allocates new ones (ialloc.c `recently_deleted`, a buffer lookup per inode skipped; perf:
    // 30% of a slow `cp -r`), for minutes after the removal (`settle`). So this part removes
    // nothing: its trees go when every part of the bench is over (a removal between the push race
    // and the fetch race decided the fetch's figures, docs/bench.md, ninth session).
    const aside = [];
    // An interrupted run's trees (`*.old-N`, which moveAside would otherwise remove mid-race).
    for (const dir of [ROOT, ...sets.map((set) => join(ROOT, `remote-ws-${set}`, '.repro'))])
      for (const name of existsSync(dir) ? readdirSync(dir) : []) if (/\.old-\d+$/.test(name)) aside.push(join(dir, name));
    for (const p of aside.splice(0)) removeTree(p);
    await settle();
    const moveAside = (p) => {
      if (!existsSync(p)) return;
      const old = `${p}.old-${aside.length}`;
      removeTree(old);
      renameSync(p, old);
      aside.push(old);
      spawnSync('sync'); // what the last contender wrote is on disk before the next starts
    };
    try {
      for (const set of sets) await dirRemoteSet(set, base, baseIn, moveAside);
    } finally {
      trash.push(...aside.splice(0));
    }
  }

  async function dirRemoteSet(set, base, baseIn, moveAside) {
    const ws = join(ROOT, `remote-ws-${set}`);
    const src = join(ROOT, 'data', set);
    const store = join(ROOT, 'remote-dir-store');
    const copy = join(ROOT, 'remote-dir-cp');
    const cache = join(ws, '.repro', 'cache');
    // The workspace is reused between bench runs: point its remote here, whatever it was set to.
    quiet(process.execPath, [bin, 'remote', 'modify', 'dir', 'url', store], { cwd: ws });
    const emptyStore = () => {
      moveAside(store);
      rmSync(join(ws, '.repro', 'remotes'), { recursive: true, force: true });
    };
    // The peer writes beside what repro writes (the store for a push, the cache for a fetch):
    // where ext4 puts new inodes depends on the parent directory, and a crowded one was seen
    // to make every create 5-10x slower for cp as for repro.
    const cpTo = (dest) => ({ name: 'cp', before: () => moveAside(dest), run: () => run('cp', ['-r', src, dest]) });
    const withBase = (ours, theirs, cp = cpTo(copy)) => (base ? [ours, theirs, cp] : [ours, cp]);
    const m = race(
      withBase(
        { name: 'repro', before: emptyStore, run: () => reproIn(ws, 'push', '-r', 'dir') },
        { name: 'base', before: emptyStore, run: () => baseIn(ws, 'push', '-r', 'dir') },
      ),
      Math.min(RUNS, 5),
    );
    report(`push ${set}, directory remote (time ratio)`, m.repro, 'cp -r', m.cp, '<= 1.11x');
    if (base) report(`push ${set}, directory remote, base build`, m.base, 'cp -r', m.cp, '');
    // Kept out of .repro while the fetch runs, so that it does not crowd where the fetch writes.
    const saved = join(ROOT, `remote-cache-saved-${set}`);
    removeTree(saved);
    execFileSync('mv', [cache, saved]);
    try {
      const emptyCache = () => moveAside(cache);
      const f = race(
        withBase(
          { name: 'repro', before: emptyCache, run: () => reproIn(ws, 'fetch', '-r', 'dir') },
          { name: 'base', before: emptyCache, run: () => baseIn(ws, 'fetch', '-r', 'dir') },
          cpTo(join(ws, '.repro', 'cache-cp')),
        ),
        Math.min(RUNS, 5),
      );
      report(`fetch ${set}, directory remote (time ratio)`, f.repro, 'cp -r', f.cp, '<= 1.11x');
      if (base) report(`fetch ${set}, directory remote, base build`, f.base, 'cp -r', f.cp, '');
    } finally {
      moveAside(cache);
      execFileSync('mv', [saved, cache]);
      moveAside(copy);
      moveAside(store);
    }
  }
}

const count = (dir) =>
  Number(
    execFileSync('sh', ['-c', `find '${dir}' -type f | wc -l`])
      .toString()
      .trim(),
  );

/** Remove the tree `p` (if there) and stamp the time in `root/removed-at` (benchRemote's `settle`). */
function removeStamped(root, p) {
  if (!existsSync(p)) return;
  rmSync(p, { recursive: true, force: true });
  writeFileSync(join(root, 'removed-at'), String(Date.now()));
}

/**
 * A Git workspace whose one stage's output is a hard-linked copy of `src` (stored in its cache by
 * one run), with remotes `s3` (URL set per measurement) and `dir`.
 */
function workspace(root, name, src, env, bin) {
  const ws = join(root, name);
  if (existsSync(join(ws, 'repro.lock'))) return ws;
  removeStamped(root, ws);
  mkdirSync(ws, { recursive: true });
  const yaml = `stages:\n  hold:\n    cmd: rm -rf data && cp -al '${src}' data\n    outs: [data/]\n`;
  writeFileSync(join(ws, 'repro.yaml'), yaml);
  writeFileSync(join(ws, '.gitignore'), '.repro/\n');
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], { cwd: ws, env, stdio: 'ignore' });
  sh('git init -q && git add -A && git -c user.name=b -c user.email=b@x commit -qm w');
  sh(`node '${bin}' run --no-record`);
  sh(`node '${bin}' remote add s3 s3://placeholder/cache && node '${bin}' remote modify s3 endpoint ${ENDPOINT}`);
  sh(`node '${bin}' remote add dir '${join(root, 'remote-dir-store')}'`);
  return ws;
}

/** The gateway: null when none can be had; the CD of one we started (stop it after), or ''. */
async function gateway(shared, env) {
  const up = () => spawnSync('curl', ['-s', '-o', '/dev/null', '-m', '2', ENDPOINT]).status === 0;
  if (up()) return '';
  if (spawnSync('sh', ['-c', 'command -v radosgw']).status !== 0) return null;
  const cd = '/tmp/repro-bench-ceph';
  console.log('(starting a Ceph RGW gateway for the remote part: ~16 s)');
  execFileSync('bash', [join(shared, 'ceph-rgw-up.sh')], { env: { ...env, CD: cd }, stdio: 'ignore' });
  return cd;
}
