// Workloads shared by the scale axes (scripts/bench-scale-*.mjs), built once under ctx.ROOT and
// byte-for-byte deterministic: the same generators as ../shared/bench/make-workload.sh, at any size.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const label = (n) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n));

/**
 * ROOT/data/dir<label>/: `n` small files, 1,000 per subdirectory, 64..2047 bytes (mean ~1 KiB), the
 * layout of make-workload.sh's dir10k/dir100k (which are used as they are for those two sizes).
 * Built into a temp name and renamed, so an interrupted build is never taken for a finished one.
 */
export function filesDir(ctx, n) {
  const dir = join(ctx.ROOT, 'data', `dir${label(n)}`);
  if (existsSync(dir)) return dir;
  if (n === 10000 || n === 100000) {
    ctx.workload(`dir${label(n)}`);
    return dir;
  }
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  console.log(`(building ${n} files in ${dir}, once)`);
  const awk = `BEGIN {
    pad = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"; while (length(pad) < 2048) pad = pad pad;
    for (i = 0; i < n; i++) {
      if (i % 1000 == 0) { sub_ = sprintf("%s/d%03d", d, i / 1000); system("mkdir -p " sub_) }
      f = sprintf("%s/f%06d.txt", sub_, i);
      sz = 64 + (i * 7919) % 1984;
      hdr = sprintf("file %06d\\n", i);
      printf "%s%s\\n", hdr, substr(pad, 1 + i % 64, sz - length(hdr) - 1) > f; close(f)
    }
  }`;
  execFileSync('awk', ['-v', `n=${n}`, '-v', `d=${tmp}`, awk], { stdio: 'inherit' });
  renameSync(tmp, dir);
  return dir;
}

/** ROOT/dag<n>/: make-workload.sh's fan-out/fan-in DAG with `n` stages (repro.yaml, Makefile, clean.sh). */
export function stagesDag(ctx, n) {
  if (n === 200) {
    ctx.workload('dag');
    return join(ctx.ROOT, 'dag');
  }
  const dir = join(ctx.ROOT, `dag${label(n)}`);
  if (existsSync(join(dir, 'repro.yaml'))) return dir;
  const tmp = join(ctx.ROOT, `.build-dag${label(n)}`);
  rmSync(tmp, { recursive: true, force: true });
  execFileSync('bash', [join(ctx.shared, 'make-workload.sh'), '-r', tmp, 'dag'], {
    stdio: 'inherit',
    env: { ...process.env, STAGES_DAG: String(n) },
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(tmp, 'dag'), dir);
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}
