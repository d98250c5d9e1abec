import { lstatSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isErrno } from '../core/errors.js';
import { manifestMembers } from './manifest.js';
import { ObjectStore } from './objects.js';

/**
 * Raw object access for moving objects between this store and another (a remote): where an
 * object's file is, a temp path on the store's file system, and installing a file whose content
 * the caller has already checked against `hash`. Everything else goes through `openCache`.
 *
 *   const io = objectIo('.repro/cache');
 *   const tmp = io.tempPath();  // write + hash the bytes here, then:
 *   const tRef = Date.now();   // before the bytes are written and hashed
 *   await io.install(tmp, hash, size, exec, tRef);
 */
export interface ObjectIo {
  /**
   * For one transfer: a check that is true when the object's fan-out directory does not exist
   * (or is not a directory), so the store certainly lacks it (an lstat per directory, at its first question, instead of
   * one per object: 100k of those cost ~400 ms of a fetch into an empty cache). False: ask `stat`.
   */
  lackCheck(): (hash: string) => boolean;
  /** The object's file, size and exec bit; undefined when absent (or not a regular file). */
  stat(hash: string): { path: string; size: number; exec: boolean; mode: number } | undefined;
  /** Where the object's file is when the store has it (no lookup). */
  path(hash: string): string;
  /** `<objectsDir>/<2 hex>/<62 hex>[.dir]` is an object's file (`path`). */
  readonly objectsDir: string;
  /** A manifest's files (`manifestMembers`: their paths unchecked); `E_CACHE` when it is corrupt, [] when missing. */
  members(hash: string): { hash: string; size: number; exec: boolean }[];
  tempPath(): string;
  /**
   * Atomic: rename into place, or drop when a good object exists; true when it became the object.
   * The caller verified the content; `tRef` is a time from before the temp file was written.
   */
  install(tmp: string, hash: string, size: number, exec: boolean, tRef: number): Promise<boolean>;
  /** `install` for bytes in memory the caller checked: written beside the object, renamed into place. */
  writeSmall(hash: string, data: Uint8Array, exec: boolean): boolean;
}

export function objectIo(dir: string): ObjectIo {
  const store = new ObjectStore(resolve(dir));
  return {
    objectsDir: store.objectsDir,
    lackCheck() {
      const fanouts = new Map<string, boolean>();
      return (hash) => {
        const fan = hash.slice(0, 2);
        let lacks = fanouts.get(fan);
        if (lacks === undefined) {
          lacks = lstatSync(join(store.objectsDir, fan), { throwIfNoEntry: false })?.isDirectory() !== true;
          fanouts.set(fan, lacks);
        }
        return lacks;
      };
    },
    stat(hash) {
      const st = store.stat(hash);
      if (!st?.isFile()) return undefined;
      return { path: store.objectPath(hash), size: st.size, exec: (st.mode & 0o100) !== 0, mode: st.mode & 0o7777 };
    },
    members(hash) {
      let text: string;
      try {
        text = readFileSync(store.objectPath(hash), 'utf8');
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return [];
        throw e;
      }
      return manifestMembers(text, hash);
    },
    path: (hash) => store.objectPath(hash),
    tempPath: () => store.tempPath(),
    install: (tmp, hash, size, exec, tRef) => store.install(tmp, hash, size, exec, tRef),
    writeSmall: (hash, data, exec) => store.writeBuffer(hash, data, exec),
  };
}
