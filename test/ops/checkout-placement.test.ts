import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, repro, reproBin, tempRepos } from '../helpers/repo.js';
import { readTree } from '../helpers/tree.js';
import { FRESH_MIN_FILES } from '../../src/cache/checkout-fresh.js';

// Placements that fail or are killed half-way, through the real binary: nothing half-written is
// left as if it were the output, and the next checkout completes.
const { repo } = tempRepos();

/** A repository whose stage `make` writes `out/` with `n` small files, `big` (2 MiB) and `mid` (8 KiB); run once. */
async function ranDirOutput(link: string, n: number): Promise<string> {
  const gen =
    `const fs=require('fs');fs.mkdirSync('out/s',{recursive:true});` +
    `for(let i=0;i<${n};i++)fs.writeFileSync('out/s/f'+i,'file '+i+'\\n');` +
    `fs.writeFileSync('out/big',Buffer.alloc(2<<20,7));fs.writeFileSync('out/mid',Buffer.alloc(8192,97))`;
  const d = await repo({
    'repro.yaml': `version: 1\nstages:\n  make:\n    cmd: node -e "${gen}"\n    outs: [out/]\n`,
    '.exprc': `cache:\n  link: [${link}]\n`,
    '.gitignore': 'out/\n',
  });
  expect((await repro(d, 'run', '--no-record')).code).toBe(0);
  return d;
}

/** Every file under `dir`, relative, that is a temp name or differs from `want` (truncated). */
function damaged(dir: string, want: Record<string, string>): string[] {
  if (!existsSync(dir)) return [];
  const got = readTree(dir);
  return Object.keys(got).filter((p) => p.includes('.tmp') || got[p] !== want[p]);
}

/**
 * `repro checkout` in `d` under a 4 KiB file size limit (dash counts 512-byte blocks) with
 * SIGXFSZ ignored, so a write past it returns EFBIG instead of killing the process.
 */
const checkoutUnderFileLimit = (d: string): SpawnSyncReturns<string> =>
  spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 8; exec "$0" "$@"', process.execPath, BIN, 'checkout'], { cwd: d, encoding: 'utf8' });

describe('checkout placements cut short', () => {
  it('a write cut short (EFBIG under a file size limit) leaves no temp and no truncated file, and the next checkout completes', async () => {
    const d = await ranDirOutput('copy', 5);
    const want = readTree(join(d, 'out'));
    await rm(join(d, 'out'), { recursive: true });
    // `mid` (8 KiB, written in place) and `big` (2 MiB, through a temp) fail part-way.
    const r = checkoutUnderFileLimit(d);
    expect(r.status).not.toBe(0);
    expect(damaged(join(d, 'out'), want)).toEqual([]);
    expect(existsSync(join(d, 'out', 'mid'))).toBe(false);

    const again = await reproBin(d, ['checkout']);
    expect(again.code).toBe(0);
    expect(readTree(join(d, 'out'))).toEqual(want);
  });

  it('a big fresh checkout whose worker fails part-way (EFBIG) reports it and leaves neither the output nor its temp directory', async () => {
    const d = await ranDirOutput('copy', FRESH_MIN_FILES + 100);
    const want = readTree(join(d, 'out'));
    await rm(join(d, 'out'), { recursive: true });
    const r = checkoutUnderFileLimit(d);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/EFBIG|too large/i);
    expect(existsSync(join(d, 'out'))).toBe(false);
    expect(readdirSync(d).filter((n) => n.includes('.tmp-'))).toEqual([]);

    const again = await reproBin(d, ['checkout']);
    expect(again.code).toBe(0);
    expect(readTree(join(d, 'out'))).toEqual(want);
  });

  for (const link of ['copy', 'hardlink']) {
    it(`${link}: a big fresh checkout killed with SIGKILL while its temp directory fills is completed by the next one`, async () => {
      const d = await ranDirOutput(link, FRESH_MIN_FILES + 300);
      const want = readTree(join(d, 'out'));
      await rm(join(d, 'out'), { recursive: true });
      const child = spawn(process.execPath, [BIN, 'checkout'], { cwd: d, stdio: 'ignore' });
      const exited = new Promise<void>((res) => child.on('exit', () => res()));
      // Kill it once its temp directory holds files (or when it is done or slow: either way the
      // next checkout must complete). Bounded: at most ~5 s of polling.
      for (let i = 0; i < 500 && child.exitCode === null; i++) {
        const tmp = readdirSync(d).find((n) => n.startsWith('.out.tmp-'));
        if (tmp && existsSync(join(d, tmp, 's')) && readdirSync(join(d, tmp, 's')).length > 50) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      await exited;
      expect(existsSync(join(d, 'out')) && damaged(join(d, 'out'), want).length > 0).toBe(false);

      const again = await reproBin(d, ['checkout']);
      expect(again.code).toBe(0);
      expect(readTree(join(d, 'out'))).toEqual(want);
      // The dead process's temp directory went with the takeover of its lock.
      expect(readdirSync(d).filter((n) => n.includes('.tmp-'))).toEqual([]);
      expect((await reproBin(d, ['status', '--json'])).code).toBe(0);
    });
  }

  for (const link of ['copy', 'hardlink']) {
    it(`${link}: a checkout killed with SIGKILL part-way is completed by the next one`, async () => {
      const d = await ranDirOutput(link, 1500);
      const want = readTree(join(d, 'out'));
      await rm(join(d, 'out'), { recursive: true });
      const child = spawn(process.execPath, [BIN, 'checkout'], { cwd: d, stdio: 'ignore' });
      const exited = new Promise<void>((res) => child.on('exit', () => res()));
      // Kill it once some files are placed (or at once, if it is slow to start: either way the
      // next checkout must complete). Bounded: at most ~5 s of polling.
      for (let i = 0; i < 500 && child.exitCode === null; i++) {
        const s = join(d, 'out', 's');
        if (existsSync(s) && readdirSync(s).length > 50) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill('SIGKILL');
      await exited;

      const again = await reproBin(d, ['checkout']);
      expect(again.code).toBe(0);
      expect(readTree(join(d, 'out'))).toEqual(want);
      expect(readFileSync(join(d, 'out', 'big')).length).toBe(2 << 20);
      if (link === 'hardlink') expect(statSync(join(d, 'out', 's', 'f1')).mode & 0o222).toBe(0);
      const status = await reproBin(d, ['status', '--json']);
      expect(status.code).toBe(0);
    });
  }
});
