import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { WalkError, walkDir, type WalkOptions } from '../../src/cache/walk.js';
import { tempDir, writeTree } from '../helpers/tree.js';
import { reproError } from '../helpers/errors.js';

const noTick = (): undefined => undefined;

/** Walk `root` and return the error it throws. */
async function refusal(root: string, opts: Partial<WalkOptions> = {}): Promise<WalkError> {
  const e = await reproError(walkDir(root, { allowedTargets: [], tick: noTick, onFile: () => undefined, ...opts }));
  expect(e).toBeInstanceOf(WalkError);
  return e as WalkError;
}

describe('walkDir refusals', () => {
  it('a symlink leading outside names the file under the walked directory, as an output by default', async () => {
    const ws = tempDir();
    writeTree(join(ws, 'dd'), { 'sub/ok.txt': 'ok' });
    symlinkSync('/etc/passwd', join(ws, 'dd/sub/p'));
    const e = await refusal(join(ws, 'dd'));
    expect(e).toMatchObject({ code: 'E_PATH_ESCAPE', problem: 'link-escapes' });
    expect(e.message).toBe(`symlink in an output leads outside it: '${join(ws, 'dd')}/sub/p' -> '/etc/passwd'`);
    expect(e.hint).toBe('copy the file into the output instead of linking to it');
  });

  it('says dependency and uses the label the caller gives; restate rewords with a position', async () => {
    const ws = tempDir();
    writeTree(join(ws, 'dd'), { 'a.txt': 'a' });
    symlinkSync('/etc/passwd', join(ws, 'dd/p'));
    const e = await refusal(join(ws, 'dd'), { role: 'dependency', label: 'dd' });
    expect(e.message).toBe("symlink in a dependency leads outside it: 'dd/p' -> '/etc/passwd'");
    expect(e.hint).toBe('copy the file into the dependency instead of linking to it');
    const r = e.restate({ role: 'output', label: 'data/out', pos: { file: 'repro.yaml', line: 7, col: 12 } });
    expect(r).toMatchObject({ code: 'E_PATH_ESCAPE', pos: { file: 'repro.yaml', line: 7, col: 12 } });
    expect(r.message).toBe("repro.yaml:7:12: symlink in an output leads outside it: 'data/out/p' -> '/etc/passwd'");
  });

  it('dangling links, links to directories and special files, worded for the role', async () => {
    const ws = tempDir();
    const dd = join(ws, 'dd');
    mkdirSync(join(dd, 'sub'), { recursive: true });
    symlinkSync('nowhere', join(dd, 'dangling'));
    const dangling = await refusal(dd, { role: 'dependency', label: 'dd' });
    expect(dangling).toMatchObject({ code: 'E_NOT_FOUND', message: "symlink in a dependency points nowhere: 'dd/dangling'" });
    rmSync(join(dd, 'dangling'));

    symlinkSync('sub', join(dd, 'dirlink'));
    expect(await refusal(dd, { role: 'dependency', label: 'dd' })).toMatchObject({
      code: 'E_CACHE',
      message: "cannot hash a symlink to a directory in a dependency: 'dd/dirlink'",
    });
    expect(await refusal(dd, { label: 'out/' })).toMatchObject({
      message: "cannot store a symlink to a directory in an output: 'out/dirlink'",
    });
    rmSync(join(dd, 'dirlink'));

    execFileSync('mkfifo', [join(dd, 'sub/fifo')]);
    expect(await refusal(dd, { role: 'dependency', label: 'dd' })).toMatchObject({
      code: 'E_CACHE',
      message: "cannot hash a special file in a dependency: 'dd/sub/fifo'",
    });
  });

  it('the cache hashes and stores through the same walk: its refusals are WalkErrors', async () => {
    const ws = tempDir();
    const cache = openCache({ dir: join(ws, '.cache') });
    writeTree(join(ws, 'out'), { 'a.txt': 'a' });
    writeFileSync(join(ws, 'outside.txt'), 'o');
    symlinkSync('../outside.txt', join(ws, 'out/escape'));
    await expect(cache.hashPath(join(ws, 'out'))).rejects.toBeInstanceOf(WalkError);
    await expect(cache.save(join(ws, 'out'))).rejects.toMatchObject({
      code: 'E_PATH_ESCAPE',
      message: `symlink in an output leads outside it: '${join(ws, 'out')}/escape' -> '${join(ws, 'outside.txt')}'`,
    });
  });
});
