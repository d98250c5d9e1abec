// `BENCH_SCALE=bytes npm run bench -- scale`: one 2 GiB and one 20 GiB random file (issue 16).
// Per size: the first hash by repro's hash path alone (openCache().hashFile: 1 MiB sync reads,
// node's sha256; no store) against `openssl dgst -sha256` and `b3sum` (one thread and its
// default); the first `repro run` of a one-stage pipeline that stores it (hardlink mode, so
// storing hashes it once and links it: no copy); checkout of it into an empty workspace in copy
// mode against `cp` and in hardlink mode against `ln`; peak RSS of each.
//
// BENCH_SCALE_BYTES=2 runs only the 2 GiB size. The 20 GiB size runs only when the disk has room (statfs: the file, one copy and a margin) and
// says so when it has not; its file and workspace are deleted afterwards unless BENCH_KEEP is set.
// The files are written once into BENCH_ROOT/data (from /dev/urandom, or `openssl rand` when
// available, which is several times faster). A 20 GiB file does not stay in the page cache of a
// 24 GiB machine shared with others: its figures include disk reads, for every contender alike.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { peakRss } from './bench-scale-checkout.mjs';

const GiB = 2 ** 30;
/** BENCH_SCALE_BYTES: the sizes in GiB, comma-separated (default `2,20`). */
const SIZES = (process.env.BENCH_SCALE_BYTES ?? '2,20').split(',').map((g) => Number(g) * GiB);
const label = (bytes) => `${bytes / GiB}gib`;

function freeBytes(dir) {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** ROOT/data/big<label>.bin, `bytes` random bytes, written once (temp name, then renamed). */
function bigFile(ctx, bytes) {
  const f = join(ctx.ROOT, 'data', `big${label(bytes)}.bin`);
  if (existsSync(f) && statSync(f).size === bytes) return f;
  mkdirSync(dirname(f), { recursive: true });
  console.log(`(writing ${label(bytes)} of random bytes to ${f}, once)`);
  // `openssl rand` takes at most 2^31-1 bytes a call: 1 GiB a call, appended.
  const gen =
    ctx.has('openssl') && bytes % GiB === 0
      ? `for i in $(seq ${bytes / GiB}); do openssl rand ${GiB}; done`
      : `head -c ${bytes} /dev/urandom`;
  execFileSync('sh', ['-c', `${gen} > '${f}.tmp' && mv '${f}.tmp' '${f}'`], { stdio: 'inherit' });
  return f;
}

/** ROOT/bytes-ws-<label>/: one stage whose output is a hard link to the big file; not run yet. */
function workspace(ctx, bytes, big) {
  const ws = join(ctx.ROOT, `bytes-ws-${label(bytes)}`);
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, 'repro.yaml'), `version: 1\nstages:\n  take:\n    cmd: ln '${big}' out.bin\n    outs: [out.bin]\n`);
  writeFileSync(join(ws, '.gitignore'), 'out.bin\n');
  writeFileSync(join(ws, '.exprc'), 'cache:\n  link: [hardlink]\n');
  execFileSync('sh', ['-c', 'git init -q && git add repro.yaml .gitignore && git -c user.name=b -c user.email=b@x commit -qm w'], {
    cwd: ws,
  });
  return ws;
}

export async function bench(ctx) {
  const rows = [];
  for (const bytes of SIZES) {
    const name = label(bytes);
    const big = join(ctx.ROOT, 'data', `big${name}.bin`);
    mkdirSync(dirname(big), { recursive: true });
    // The file (unless there), one copy of it (a copy-mode checkout or `cp`, one at a time), 2 GiB spare.
    const need = (existsSync(big) ? 0 : bytes) + bytes + 2 * GiB;
    const free = freeBytes(dirname(big));
    if (free < need) {
      console.log(`bytes: ${name} skipped: ${(free / GiB).toFixed(1)} GiB free on ${dirname(big)}, ${(need / GiB).toFixed(1)} GiB needed`);
      continue;
    }
    console.log(`bytes: ${name}: ${(free / GiB).toFixed(1)} GiB free before, ${(need / GiB).toFixed(1)} GiB needed`);
    bigFile(ctx, bytes);
    const runs = bytes > 4 * GiB ? Math.min(ctx.RUNS, 2) : Math.min(ctx.RUNS, 5);
    execFileSync('cat', [big], { stdio: 'ignore' }); // page cache as warm as it gets

    // First hash: the hash path alone, no store.
    const script = `import('${join(ctx.repoRoot, 'dist', 'cache', 'index.js')}').then(async (m) => { const c = m.openCache({ dir: '${ctx.ROOT}/bytes-hash-cache' }); await c.hashFile('${big}'); })`;
    const hashers = [
      { name: 'repro', cmd: process.execPath, args: ['-e', script] },
      { name: 'openssl', cmd: 'openssl', args: ['dgst', '-sha256', big] },
    ];
    if (ctx.has('b3sum')) {
      hashers.push({ name: 'b3sum -1', cmd: 'b3sum', args: ['--num-threads', '1', big] });
      hashers.push({ name: 'b3sum', cmd: 'b3sum', args: [big] });
    } else console.log('(b3sum not installed: apt-get install b3sum)');
    const h = ctx.race(
      hashers.map((c) => ({ name: c.name, run: () => ctx.time(c.cmd, c.args) })),
      runs,
    );
    const rss = Object.fromEntries(hashers.map((c) => [c.name, peakRss(ctx, c.cmd, c.args)]));
    ctx.report(
      `first hash of ${name} (hash path alone)`,
      h.repro,
      'openssl sha256',
      h.openssl,
      bytes === 2 * GiB ? 'moonshot <= 0.5x' : undefined,
    );
    for (const c of hashers.slice(2)) ctx.report(`first hash of ${name} (hash path alone)`, h.repro, c.name, h[c.name]);
    for (const c of hashers) rows.push({ what: `hash ${name}`, name: c.name, ms: h[c.name], rss: rss[c.name], bytes });

    // First store: a one-stage pipeline whose output is the file (one run: it is a first run).
    const ws = workspace(ctx, bytes, big);
    const out = join(ws, 'out.bin');
    const runArgs = [ctx.bin, 'run', '--no-record'];
    const storeRss = peakRss(ctx, process.execPath, runArgs, { cwd: ws });
    // Timed again from scratch: the figure above includes GNU time's own start only.
    rmSync(join(ws, '.repro'), { recursive: true, force: true });
    rmSync(out, { force: true });
    const store = ctx.time(process.execPath, runArgs, { cwd: ws });
    ctx.report(`first run storing ${name} (hardlink mode, one run)`, store, 'openssl sha256', h.openssl);
    rows.push({ what: `store ${name}`, name: 'repro run', ms: store, rss: storeRss, bytes });

    // Checkout into an empty workspace: copy mode vs cp, hardlink mode vs ln.
    const peerDest = join(ctx.ROOT, `bytes-peer-${name}.bin`);
    const obj = big; // in hardlink mode the object is the file's own inode: the same bytes
    const bothGone = () => {
      rmSync(out, { force: true });
      rmSync(peerDest, { force: true });
    };
    for (const m of [
      { mode: 'copy', peer: 'cp', cmd: 'cp', args: [obj, peerDest] },
      { mode: 'hardlink', peer: 'ln', cmd: 'ln', args: [obj, peerDest] },
    ]) {
      writeFileSync(join(ws, '.exprc'), `cache:\n  link: [${m.mode}]\n`);
      const c = ctx.race(
        [
          { name: 'repro', before: bothGone, run: ctx.repro(ws, 'checkout') },
          { name: 'peer', before: bothGone, run: () => ctx.time(m.cmd, m.args) },
        ],
        runs,
      );
      bothGone();
      const r = peakRss(ctx, process.execPath, [ctx.bin, 'checkout'], { cwd: ws });
      bothGone();
      const pr = peakRss(ctx, m.cmd, m.args);
      bothGone();
      ctx.report(`checkout of ${name}, ${m.mode} mode`, c.repro, m.peer, c.peer);
      rows.push({ what: `checkout ${name} ${m.mode}`, name: 'repro', ms: c.repro, rss: r, bytes });
      rows.push({ what: `checkout ${name} ${m.mode}`, name: m.peer, ms: c.peer, rss: pr, bytes });
    }
    if (bytes > 2 * GiB && !process.env.BENCH_KEEP) {
      rmSync(ws, { recursive: true, force: true });
      rmSync(big, { force: true });
      console.log(`(deleted ${big} and ${ws}; BENCH_KEEP=1 keeps them)`);
    }
  }
  console.log('\nbytes (medians; MiB/s from the file size; peak RSS)');
  for (const r of rows) {
    const mibs = r.bytes / 2 ** 20 / (r.ms / 1000);
    console.log(
      `${r.what.padEnd(26)} ${r.name.padEnd(10)} ${ctx.fmt(r.ms)} ${mibs.toFixed(0).padStart(6)} MiB/s  ${r.rss === undefined ? '-' : `${r.rss.toFixed(0)} MiB`} RSS`,
    );
  }
}
