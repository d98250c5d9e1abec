import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import { tempDir } from '../helpers/tree.js';

// Stat signatures of whole paths (src/cache/pathsig.ts): what the no-op summary compares.

describe('pathSignature', () => {
  let root = '';
  const cache = () => {
    root = tempDir();
    return openCache({ dir: join(root, '.cache') });
  };

  it('a missing path names its nearest parent: creating it, or anything beside it, changes the signature', async () => {
    const c = cache();
    const p = join(root, 'sub', 'absent.yaml');
    mkdirSync(join(root, 'sub'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'sub'), old, old);
    const before = await c.pathSignature(p, 'content');
    expect(before.sig.startsWith('-')).toBe(true);
    expect((await c.pathSignature(p, 'content')).sig).toBe(before.sig);
    writeFileSync(join(root, 'sub', 'other'), '');
    expect((await c.pathSignature(p, 'content')).sig).not.toBe(before.sig);
    writeFileSync(p, 'x: 1\n');
    expect((await c.pathSignature(p, 'content')).sig.startsWith('f')).toBe(true);
  });

  it('is racy when a timestamp is not older than tRef by the granularity', async () => {
    const c = cache();
    const f = join(root, 'f.txt');
    writeFileSync(f, 'x');
    expect((await c.pathSignature(f, 'content', Date.now())).racy).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect((await c.pathSignature(f, 'content', Date.now())).racy).toBe(false);
    expect((await c.pathSignature(f, 'content')).racy).toBe(false); // no tRef: not judged
    // A directory is racy when a file in it is.
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd', 'a'), 'a');
    expect((await c.pathSignature(join(root, 'd'), 'content', Date.now())).racy).toBe(true);
  });

  it('a kind is only what the path is; a symlink adds where it leads', async () => {
    const c = cache();
    const d = join(root, 'k');
    mkdirSync(d);
    const k = await c.pathSignature(d, 'kind');
    writeFileSync(join(d, 'new'), '');
    expect((await c.pathSignature(d, 'kind')).sig).toBe(k.sig); // contents do not matter
    mkdirSync(join(root, 'k2'));
    rmSync(d, { recursive: true });
    symlinkSync(join(root, 'k2'), d);
    const l = await c.pathSignature(d, 'kind');
    expect(l.sig).not.toBe(k.sig);
    expect(l.sig).toContain(`>${join(root, 'k2')}`);
  });

  it('cannot vouch for a dangling link, or a directory holding a file the store refuses', async () => {
    const c = cache();
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    expect((await c.pathSignature(join(root, 'dangling'), 'content')).usable).toBe(false);
    mkdirSync(join(root, 'bad'));
    symlinkSync('/etc/hostname', join(root, 'bad', 'out'));
    expect((await c.pathSignature(join(root, 'bad'), 'content')).usable).toBe(false);
  });
});
