import { createHash } from 'node:crypto';
import { zlibModule } from '../core/builtins.js';
import { git } from './git.js';
import type { RepoInfo } from './repoinfo.js';

/** An object to write: its type and its content (without Git's `<type> <size>\0` header). */
export interface GitObject {
  type: 'blob' | 'tree';
  content: Buffer;
}

const PACK_TYPE = { commit: 1, tree: 2, blob: 3 } as const;

/** `sha1` or `sha256`, the repository's object format. */
export function hashAlgo(repo: RepoInfo): 'sha1' | 'sha256' {
  return repo.objectFormat === 'sha256' ? 'sha256' : 'sha1';
}

/** The id Git gives `obj` (`git hash-object -t <type> --no-filters`), computed here. */
export function objectId(repo: RepoInfo, obj: GitObject): string {
  return createHash(hashAlgo(repo)).update(`${obj.type} ${obj.content.length}\0`).update(obj.content).digest('hex');
}

/**
 * Write `objects` into the repository's object store in one `git unpack-objects` (loose objects,
 * as `git hash-object -w` and `git write-tree` write them): they go to Git as a version-2 pack
 * built here, undeltified, with the pack's checksum in the repository's hash. Git computes the ids
 * itself; the caller's ids come from `objectId`, the same hash of the same bytes. An object listed
 * twice is sent once; one already stored is kept. Touches no ref; a failure leaves at most some unreferenced objects.
 */
export async function writeObjects(repo: RepoInfo, objects: GitObject[]): Promise<void> {
  const seen = new Set<string>();
  objects = objects.filter((o) => {
    const id = objectId(repo, o);
    return !seen.has(id) && seen.add(id);
  });
  if (objects.length === 0) return;
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [head];
  for (const o of objects) parts.push(entryHeader(PACK_TYPE[o.type], o.content.length), zlibModule().deflateSync(o.content));
  const body = Buffer.concat(parts);
  const pack = Buffer.concat([body, createHash(hashAlgo(repo)).update(body).digest()]);
  await git(repo.root, ['unpack-objects', '-q'], { input: pack });
}

/** A pack entry's header: the type in bits 4-6 of the first byte, the size in 4 then 7-bit groups. */
function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
