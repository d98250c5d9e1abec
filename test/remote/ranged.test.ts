import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchObjects, openBackend, type Backend } from '../../src/remote/index.js';
import { freshBucket, s3Gateway, S3_ENDPOINT, S3_KEYS } from '../helpers/s3-gateway.js';
import { localCache } from './fixtures.js';

/**
 * Big objects come down from S3 as ranged GETs, several in flight (src/remote/ranged.ts), hashed
 * in order before they enter the cache. The thresholds are lowered here (read when s3.ts is
 * first loaded, which openBackend does below) so a few MiB make many parts.
 */
process.env.REPRO_S3_RANGED_BYTES = String(1 << 20);
process.env.REPRO_S3_RANGED_PART = String(256 * 1024);
process.env.REPRO_S3_RANGED_PARTS = '3';

const up = await s3Gateway();
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'repro-ranged-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const keyOf = (h: string): string => `objects/${h.slice(0, 2)}/${h.slice(2)}`;

async function s3(bucket: string): Promise<Backend> {
  return openBackend(
    {
      name: 'r',
      url: `s3://${bucket}/c`,
      endpoint: S3_ENDPOINT,
      access_key_id: S3_KEYS.access,
      secret_access_key: S3_KEYS.secret,
      jobs: 4,
    },
    tmp,
  );
}

async function put(b: Backend, key: string, data: Buffer): Promise<void> {
  const f = join(tmp, `src-${Math.random()}`);
  await writeFile(f, data);
  await b.put(key, f, { size: data.length, exec: false });
}

async function cacheAt(name: string): Promise<ReturnType<typeof localCache>> {
  const dir = join(tmp, name);
  await mkdir(join(dir, 'tmp'), { recursive: true });
  return localCache(dir);
}

describe.skipIf(!up)('big objects from S3: ranged GETs in flight together', () => {
  it('gives the exact bytes of a many-part object (last part short)', async () => {
    const b = await s3(await freshBucket());
    try {
      const data = randomBytes(3 * 1024 * 1024 + 12345); // 13 parts of 256 KiB, the last one short
      const h = sha(data);
      await put(b, keyOf(h), data);
      const local = await cacheAt('exact');
      const r = await fetchObjects(b, local, [h], { jobs: 4 });
      expect(r).toMatchObject({ downloaded: 1, corrupt: [], missing: [], bytes: data.length });
      expect((await readFile(local.path(h))).equals(data)).toBe(true);
      expect(readdirSync(join(tmp, 'exact', 'tmp'))).toEqual([]);
    } finally {
      b.close();
    }
  });

  it('refuses an object whose parts do not hash to its name, and keeps nothing of it', async () => {
    const b = await s3(await freshBucket());
    try {
      const data = randomBytes(2 * 1024 * 1024);
      const h = sha(data);
      const bad = Buffer.from(data);
      bad[1024 * 1024 + 7] ^= 1; // one bit in a middle part
      await put(b, keyOf(h), bad);
      const local = await cacheAt('corrupt');
      const r = await fetchObjects(b, local, [h], { jobs: 4 });
      expect(r.corrupt).toEqual([{ hash: h, key: keyOf(h) }]);
      expect(r.downloaded).toBe(0);
      expect(existsSync(local.path(h))).toBe(false);
      expect(readdirSync(join(tmp, 'corrupt', 'tmp'))).toEqual([]);
    } finally {
      b.close();
    }
  });

  it('reports an absent big object as missing', async () => {
    const b = await s3(await freshBucket());
    try {
      const h = 'ab'.repeat(32);
      const local = await cacheAt('absent');
      // Straight to download (a size known from a manifest skips the first GET): 404 is "absent".
      expect(await b.download!(keyOf(h), join(tmp, 'absent', 'tmp', 'x'), 2 << 20)).toBeUndefined();
      const r = await fetchObjects(b, local, [h], { jobs: 4 });
      expect(r.missing).toEqual([h]);
    } finally {
      b.close();
    }
  });

  it('an interrupted fetch leaves nothing in the cache and no temp file, and the next one completes', async () => {
    const b = await s3(await freshBucket());
    try {
      const data = randomBytes(4 * 1024 * 1024);
      const h = sha(data);
      await put(b, keyOf(h), data);
      const local = await cacheAt('interrupt');
      const ac = new AbortController();
      // Interrupt once the first part is on disk: the parts are then under way.
      const tmpDir = join(tmp, 'interrupt', 'tmp');
      const watching: Backend = {
        ...b,
        label: b.label,
        download: async (key, file, size, signal) => {
          const poll = setInterval(() => {
            void stat(file)
              .then(() => ac.abort())
              .catch(() => undefined);
          }, 1);
          try {
            return await b.download!(key, file, size, signal);
          } finally {
            clearInterval(poll);
          }
        },
      };
      const r = await fetchObjects(watching, local, [h], { jobs: 4, signal: ac.signal });
      if (r.interrupted) {
        expect(r.downloaded).toBe(0);
        expect(existsSync(local.path(h))).toBe(false);
      } else expect((await readFile(local.path(h))).equals(data)).toBe(true); // finished before the abort landed
      expect(readdirSync(tmpDir)).toEqual([]);
      // Interrupted once the GET has told the size and before the parts start: deterministically.
      const ac2 = new AbortController();
      const early: Backend = {
        ...watching,
        download: (key, file, size, signal) => {
          ac2.abort();
          return b.download!(key, file, size, signal);
        },
      };
      await rm(local.path(h), { force: true });
      const r2 = await fetchObjects(early, local, [h], { jobs: 4, signal: ac2.signal });
      expect(r2).toMatchObject({ interrupted: true, downloaded: 0 });
      expect(existsSync(local.path(h))).toBe(false);
      expect(readdirSync(tmpDir)).toEqual([]);
      const again = await fetchObjects(b, local, [h], { jobs: 4 });
      expect((await readFile(local.path(h))).equals(data)).toBe(true);
      expect(again.corrupt).toEqual([]);
    } finally {
      b.close();
    }
  });

  it('names the remote when the server refuses the parts (wrong secret)', async () => {
    const bucket = await freshBucket();
    const good = await s3(bucket);
    const data = randomBytes(2 * 1024 * 1024);
    const h = sha(data);
    await put(good, keyOf(h), data);
    good.close();
    const b = await openBackend(
      { name: 'r', url: `s3://${bucket}/c`, endpoint: S3_ENDPOINT, access_key_id: S3_KEYS.access, secret_access_key: 'wrong', jobs: 4 },
      tmp,
    );
    try {
      await expect(b.download!(keyOf(h), join(tmp, 'wrong-secret'), data.length)).rejects.toMatchObject({ code: 'E_REMOTE' });
      expect(existsSync(join(tmp, 'wrong-secret'))).toBe(true); // the caller removes it (fetch.ts)
    } finally {
      b.close();
    }
  });
});
