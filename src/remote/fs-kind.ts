import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * How a directory remote moves small objects: `sync` (one synchronous call after another on the
 * main thread) when its directory is on a local file system, `pool` (many requests in flight
 * through libuv's thread pool) anywhere else.
 *
 * On a local disk each file operation takes microseconds and the pool's dispatch (a wake-up of a
 * pool thread, a wake-up of the main loop, per operation) costs more than the operation; on NFS,
 * SMB or a FUSE mount each one waits for a round trip, which only requests in flight hide. A file
 * system not known to be local counts as a network one: the pool is right everywhere, only
 * slower where a synchronous copy would do.
 *
 * `REPRO_DIR_REMOTE_IO=sync|pool` overrides the decision (a FUSE mount that is a local disk).
 */
export type DirIo = 'sync' | 'pool';

/** statfs `f_type` magic numbers (linux/magic.h) of file systems on a local block device or in memory. */
const LOCAL_TYPES = new Map<number, string>([
  [0xef53, 'ext2/3/4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0x794c7630, 'overlayfs'],
  [0xf2f52010, 'f2fs'],
  [0x2fc12fc1, 'zfs'],
  [0xca451a4e, 'bcachefs'],
  [0x3153464a, 'jfs'],
  [0x52654973, 'reiserfs'],
  [0x4d44, 'vfat'],
  [0x5346544e, 'ntfs'],
  [0x2011bab0, 'exfat'],
]);

/** The way to move objects on a file system of statfs type `type`. */
export function ioForFsType(type: number): DirIo {
  // statfs reports f_type as a signed word on some builds: compare the low 32 bits, unsigned.
  return LOCAL_TYPES.has(type >>> 0) ? 'sync' : 'pool';
}

/**
 * The way to move objects into and out of `dir`, judged by the file system of `dir` or, while it
 * does not exist yet (a first push creates it), of its nearest existing ancestor. A statfs that
 * fails says nothing: `pool`.
 */
export function dirIo(dir: string, env: NodeJS.ProcessEnv = process.env): DirIo {
  const forced = env.REPRO_DIR_REMOTE_IO;
  if (forced === 'sync' || forced === 'pool') return forced;
  for (let d = dir; ; d = dirname(d)) {
    try {
      return ioForFsType(statfsSync(d).type);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(d) === d) return 'pool';
    }
  }
}
