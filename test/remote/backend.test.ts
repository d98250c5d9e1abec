import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend, type Backend } from '../../src/remote/index.js';
import { readAll } from '../../src/remote/read.js';
import { freshBucket, s3Gateway, S3_ENDPOINT, S3_KEYS } from '../helpers/s3-gateway.js';

/** The Backend contract, run against a directory and against the real Ceph S3 gateway. */

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'repro-backend-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function contract(open: () => Promise<Backend>): Promise<void> {
  const b = await open();
  try {
    const src = join(tmp, `src-${Math.random()}`);
    await writeFile(src, 'hello');
    expect(await b.stat('objects/aa/x')).toBeUndefined();
    expect(await b.get('objects/aa/x')).toBeUndefined();
    await b.put('objects/aa/one', src, { size: 5, exec: false });
    await b.put('objects/ab/two', src, { size: 5, exec: true });
    await b.putBytes('runcache/r.json', Buffer.from('{}'));
    expect(await b.stat('objects/aa/one')).toBe(5);
    const got = await b.get('objects/ab/two');
    expect((await readAll(got!.body, 100)).toString()).toBe('hello');
    expect(got!.exec).toBe(true);
    const keys: string[] = [];
    for await (const page of b.list('objects/')) keys.push(...page.map((e) => `${e.key}:${e.size}`));
    expect(keys.sort()).toEqual(['objects/aa/one:5', 'objects/ab/two:5']);
    await b.delete(['objects/aa/one', 'objects/zz/absent']);
    expect(await b.stat('objects/aa/one')).toBeUndefined();
  } finally {
    b.close();
  }
}

describe('directory backend', () => {
  it('keeps the Backend contract', async () => {
    await contract(() => openBackend({ name: 'd', url: join(tmp, 'remote') }, tmp));
  });

  it('leaves no partial object under its real name when the source cannot be read', async () => {
    const b = await openBackend({ name: 'd', url: join(tmp, 'remote2') }, tmp);
    await expect(b.put('objects/aa/x', join(tmp, 'nope'), { size: 1, exec: false })).rejects.toThrow();
    expect(await b.stat('objects/aa/x')).toBeUndefined();
  });

  it('names the remote when its directory is read-only', async () => {
    if (process.getuid?.() === 0) return; // root writes anyway
    const b = await openBackend({ name: 'ro', url: '/proc/repro-remote' }, tmp);
    const src = join(tmp, 'f');
    await writeFile(src, 'x');
    await expect(b.put('objects/aa/x', src, { size: 1, exec: false })).rejects.toMatchObject({ code: 'E_REMOTE' });
  });
});

describe('S3 backend (Ceph RGW)', async () => {
  const up = await s3Gateway();
  it.skipIf(!up)('keeps the Backend contract', async () => {
    const bucket = await freshBucket();
    await contract(() =>
      openBackend(
        {
          name: 's',
          url: `s3://${bucket}/some/prefix`,
          endpoint: S3_ENDPOINT,
          access_key_id: S3_KEYS.access,
          secret_access_key: S3_KEYS.secret,
        },
        tmp,
      ),
    );
  });

  it.skipIf(!up)(
    'uploads a big file in parts and reads it back whole',
    async () => {
      const bucket = await freshBucket();
      const b = await openBackend(
        { name: 's', url: `s3://${bucket}`, endpoint: S3_ENDPOINT, access_key_id: S3_KEYS.access, secret_access_key: S3_KEYS.secret },
        tmp,
      );
      const { MULTIPART_BYTES } = await import('../../src/remote/s3.js');
      const big = join(tmp, 'big');
      // Every MiB differs, so a part uploaded out of place would show.
      const data = Buffer.alloc(MULTIPART_BYTES + 12345);
      for (let i = 0; i < data.length; i += 1 << 20) data.fill(i >> 20, i, Math.min(data.length, i + (1 << 20)));
      data.write('start', 0);
      await writeFile(big, data);
      await b.put('objects/bb/big', big, { size: data.length, exec: false });
      expect(await b.stat('objects/bb/big')).toBe(data.length);
      const got = await b.get('objects/bb/big');
      const back = await readAll(got!.body, data.length + 1);
      expect(back.equals(data)).toBe(true);
      await b.delete(['objects/bb/big']); // the gateway's in-memory OSD is shared and small
      b.close();
    },
    60_000,
  );

  it.skipIf(!up)('reports a wrong secret, a missing bucket and an unreachable endpoint as E_REMOTE naming the remote', async () => {
    const bucket = await freshBucket();
    const wrong = await openBackend(
      { name: 'w', url: `s3://${bucket}`, endpoint: S3_ENDPOINT, access_key_id: S3_KEYS.access, secret_access_key: 'WRONG' },
      tmp,
    );
    await expect(wrong.stat('objects/aa/x')).rejects.toMatchObject({ code: 'E_REMOTE', message: expect.stringContaining("'w'") });
    const gone = await openBackend(
      {
        name: 'g',
        url: `s3://no-such-bucket-${process.pid}`,
        endpoint: S3_ENDPOINT,
        access_key_id: S3_KEYS.access,
        secret_access_key: S3_KEYS.secret,
      },
      tmp,
    );
    const pages = async (): Promise<void> => {
      for await (const _ of gone.list('objects/')) void _;
    };
    await expect(pages()).rejects.toMatchObject({ code: 'E_REMOTE', message: expect.stringContaining('does not exist') });
    const far = await openBackend(
      { name: 'f', url: `s3://${bucket}`, endpoint: 'http://127.0.0.1:9', access_key_id: 'a', secret_access_key: 'b' },
      tmp,
    );
    await expect(far.stat('objects/aa/x')).rejects.toMatchObject({ code: 'E_REMOTE', message: expect.stringContaining('unreachable') });
    for (const b of [wrong, gone, far]) b.close();
    void readFile;
  });
});
