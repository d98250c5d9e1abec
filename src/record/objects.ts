import { pathExists } from '../core/fs.js';
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { statSync } from 'node:fs';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';

/**
 * Loose Git objects, read and written with node's own zlib and sha1.
 *
 * Why not isomorphic-git's `writeBlob`/`writeTree`: it hashes and deflates in JavaScript (sha.js,
 * pako), which is many times slower than node's native zlib/crypto for a changed data file, and
 * loading it costs ~67 ms that a record write does not otherwise need. Packed objects are read
 * through isomorphic-git (`isogit.ts`); this file only knows the loose format:
 * `objects/xx/yyyy…` = zlib("<type> <size>\0<content>").
 */

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

function header(type: ObjectType, size: number): Buffer {
  return Buffer.from(`${type} ${size}\0`);
}

/** The object id Git gives `content` as an object of `type`. Writes nothing. */
export function hashObject(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(header(type, content.length)).update(content).digest('hex');
}

export function loosePath(objectsDir: string, oid: string): string {
  return join(objectsDir, oid.slice(0, 2), oid.slice(2));
}

/**
 * Store `content` as a loose object under `objectsDir` and return its id. Idempotent: an object
 * that is already there (loose) is not rewritten; one that only exists in a pack is written again
 * loose, which Git tolerates and `git gc` folds away.
 *
 * The write is atomic the way Git's own is: a private temp file in the fan-out directory,
 * then `link` to the final name (an existing object wins, EEXIST is success), then unlink.
 * Level 1 compression matches Git's default `core.looseCompression`.
 */
export async function writeLooseObject(objectsDir: string, type: ObjectType, content: Uint8Array): Promise<string> {
  const oid = hashObject(type, content);
  const dest = loosePath(objectsDir, oid);
  if (await pathExists(dest)) return oid;
  const data = deflateSync(Buffer.concat([header(type, content.length), content]), { level: 1 });
  const dir = join(objectsDir, oid.slice(0, 2));
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `tmp_obj_${process.pid}_${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o444);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, dest);
  } catch (e) {
    if (!isErrno(e, 'EEXIST')) {
      await rm(tmp, { force: true });
      throw new ReproError('E_GIT', `could not write git object: '${dest}'`, { cause: e });
    }
  }
  await rm(tmp, { force: true });
  return oid;
}

/** A loose object's type and content, or null when it is not stored loose (it may be packed). */
export async function readLooseObject(objectsDir: string, oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
  const path = loosePath(objectsDir, oid);
  // A packed object is not loose: say so without the cost of an ENOENT error (see isogit.ts).
  if (!statSync(path, { throwIfNoEntry: false })) return null;
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return null;
    throw e;
  }
  let data: Buffer;
  try {
    data = inflateSync(raw);
  } catch (e) {
    throw new ReproError('E_GIT', `corrupt git object: '${oid}'`, { cause: e });
  }
  const nul = data.indexOf(0);
  const [type, size] = data.subarray(0, nul).toString('latin1').split(' ');
  const content = data.subarray(nul + 1);
  if (nul < 0 || Number(size) !== content.length || !['blob', 'tree', 'commit', 'tag'].includes(type!)) {
    throw new ReproError('E_GIT', `corrupt git object: '${oid}'`);
  }
  return { type: type as ObjectType, content };
}
