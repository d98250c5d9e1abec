import { chmodSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical.js';
import { encodeManifest, manifestHash, manifestMembers, parseManifest } from '../../src/cache/manifest.js';
import type { ManifestEntry } from '../../src/cache/index.js';
import { cacheSetup } from '../helpers/cache.js';
import { sha, writeTree } from '../helpers/tree.js';

const E = (path: string, content: string, mode = 0o644): ManifestEntry => ({
  path,
  hash: sha(content),
  size: Buffer.byteLength(content),
  mode,
});

describe('directory manifest format', () => {
  it('pins the digest of a known directory: a change here is a deliberate format change', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, {
      'a.txt': 'hello\n',
      'sub/run.sh': { content: '#!/bin/sh\necho hi\n', exec: true },
      'sub/empty': '',
    });
    const info = await cache.hashPath(ws);
    expect(info).toEqual({
      hash: '8fb6690d71fb0c2439b5fdae8350321794015e1f8676624092f3de63a56aa710.dir',
      size: 24,
      nfiles: 3,
      isDir: true,
    });
    const saved = await cache.save(ws);
    expect(saved).toEqual(info);
    expect(await cache.readManifest(saved.hash)).toEqual([
      E('a.txt', 'hello\n'),
      E('sub/empty', ''),
      E('sub/run.sh', '#!/bin/sh\necho hi\n', 0o755),
    ]);
  });

  it('encodes exactly as canonicalJson does, including names that need escaping', () => {
    const entries = [E('a "q".txt', 'x'), E('dir/ü\\n', 'y', 0o755), E('z\n', '')];
    expect(encodeManifest(entries)).toBe(canonicalJson(entries));
    expect(encodeManifest([])).toBe('[]');
  });

  it('orders paths by code unit, as if the full paths were sorted', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, { 'a/x': '1', 'a-b': '2', 'a.txt': '3', 'a0/y': '4', B: '5', 'a/b/c': '6', é: '7' });
    const info = await cache.save(ws);
    const paths = (await cache.readManifest(info.hash)).map((e) => e.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toEqual(['B', 'a-b', 'a.txt', 'a/b/c', 'a/x', 'a0/y', 'é']);
  });

  it('rejects manifests that could write outside the destination or are inconsistent', () => {
    const bad = (entries: unknown) => {
      const text = JSON.stringify(entries);
      return () => parseManifest(text, manifestHash(text));
    };
    const h = sha('x');
    expect(bad([{ hash: h, mode: 420, path: '../x', size: 1 }])).toThrow(/unsafe path/);
    expect(bad([{ hash: h, mode: 420, path: '/etc/x', size: 1 }])).toThrow(/unsafe path/);
    expect(bad([{ hash: h, mode: 420, path: 'a/./b', size: 1 }])).toThrow(/unsafe path/);
    expect(
      bad([
        { hash: h, mode: 420, path: 'b', size: 1 },
        { hash: h, mode: 420, path: 'a', size: 1 },
      ]),
    ).toThrow(/order/);
    expect(
      bad([
        { hash: h, mode: 420, path: 'a', size: 1 },
        { hash: h, mode: 420, path: 'a/b', size: 1 },
      ]),
    ).toThrow(/both/);
    expect(bad([{ hash: h, mode: 0o600, path: 'a', size: 1 }])).toThrow(/mode/);
    expect(bad([{ hash: 'nothex', mode: 420, path: 'a', size: 1 }])).toThrow(/hash/);
    expect(bad({})).toThrow(/list/);
    expect(() => parseManifest('[]', manifestHash('[ ]'))).toThrow(/does not match/);
  });

  it('gives a transfer the files, sizes and exec bits, checking all but the paths', () => {
    const [h1, h2] = [sha('1'), sha('2')];
    const entries = [
      { path: 'a/run.sh', hash: h1, size: 3, mode: 0o755 },
      { path: 'b.txt', hash: h2, size: 0, mode: 0o644 },
    ];
    const text = encodeManifest(entries);
    expect(manifestMembers(text, manifestHash(text))).toEqual([
      { hash: h1, size: 3, exec: true },
      { hash: h2, size: 0, exec: false },
    ]);
    expect(parseManifest(text, manifestHash(text))).toEqual(entries);
    const bad = (entries: unknown) => {
      const t = JSON.stringify(entries);
      return () => manifestMembers(t, manifestHash(t));
    };
    expect(() => manifestMembers(text, manifestHash(text + ' '))).toThrow(/does not match/);
    expect(bad([{ hash: 'nothex', mode: 420, path: 'a', size: 1 }])).toThrow(/bad hash/);
    expect(bad([{ hash: h1, mode: 420, path: 'a', size: -1 }])).toThrow(/bad size/);
    expect(bad([{ hash: h1, mode: 0o777, path: 'a', size: 1 }])).toThrow(/bad mode/);
    expect(bad([null])).toThrow(/not an object/);
    expect(bad({})).toThrow(/list/);
    // The paths are checkout's to check (parseManifest), before it writes any.
    const unsafe = JSON.stringify([{ hash: h1, mode: 420, path: '../x', size: 1 }]);
    expect(manifestMembers(unsafe, manifestHash(unsafe))).toEqual([{ hash: h1, size: 1, exec: false }]);
    expect(() => parseManifest(unsafe, manifestHash(unsafe))).toThrow(/unsafe path/);
  });

  it('reports a corrupt stored manifest as E_CACHE', async () => {
    const { ws, cache } = cacheSetup();
    writeTree(ws, { f: 'x' });
    const info = await cache.save(ws);
    const path = cache.objectPath(info.hash);
    mkdirSync(dirname(path), { recursive: true });
    chmodSync(path, 0o644);
    writeFileSync(path, '[{"oops":1}]');
    await expect(cache.readManifest(info.hash)).rejects.toMatchObject({ code: 'E_CACHE' });
    expect(await cache.has(info.hash)).toBe(false);
  });
});
