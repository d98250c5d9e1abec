import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../core/canonical.js';
import { isErrno } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/atomic.js';
import { isObjectHash } from './keys.js';

/**
 * What a remote is known to hold, remembered in `.repro/remotes/<sha256(url)[:16]>.known` so a
 * no-op push asks the remote nothing but its epoch. An object is remembered only after it was
 * seen in a listing, found by a HEAD, or uploaded by us; a directory manifest only after every
 * file it names (remotes receive manifests last, so a manifest there implies its files).
 *
 * The file: first line `epoch <token>`, then one hash per line, appended as uploads finish. The
 * remote's epoch (`repro-epoch`, rewritten by every `repro gc --cloud`) is read at the start of
 * each push: when it differs, everything remembered is dropped, so objects removed by another
 * clone's gc are uploaded again. A remembered answer can cost a re-check; it can never make push
 * skip an object the remote lost to repro's own gc. (Objects deleted behind repro's back are not
 * seen: remove `.repro/remotes/` after doing that.) A torn last line (kill -9) is ignored.
 */
export class KnownSet {
  private readonly set = new Set<string>();
  private fd: number | undefined;
  private readonly path: string;

  private constructor(
    dir: string,
    url: string,
    private epoch: string,
  ) {
    this.path = join(dir, `${sha256(url).slice(0, 16)}.known`);
  }

  static load(stateDir: string, url: string, epoch: string): KnownSet {
    const dir = join(stateDir, 'remotes');
    const ks = new KnownSet(dir, url, epoch);
    let text = '';
    try {
      text = readFileSync(ks.path, 'utf8');
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    const lines = text.split('\n');
    if (lines[0] === `epoch ${epoch}`) {
      for (let i = 1; i < lines.length; i++) if (isObjectHash(lines[i]!)) ks.set.add(lines[i]!);
      if (!text.endsWith('\n')) ks.set.delete(lines[lines.length - 1]!); // torn: do not trust it
    } else {
      mkdirSync(dir, { recursive: true });
      writeFileAtomicSync(ks.path, `epoch ${epoch}\n`, { fsync: false });
    }
    return ks;
  }

  has(hash: string): boolean {
    return this.set.has(hash);
  }

  get size(): number {
    return this.set.size;
  }

  /** Remember hashes the remote now holds (one append per call). */
  add(hashes: readonly string[]): void {
    const fresh = hashes.filter((h) => !this.set.has(h));
    if (!fresh.length) return;
    for (const h of fresh) this.set.add(h);
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, fresh.join('\n') + '\n');
  }

  /** Forget hashes (removed from the remote by our own gc). Rewrites the file. */
  forget(hashes: Iterable<string>): void {
    for (const h of hashes) this.set.delete(h);
    this.close();
    writeFileAtomicSync(this.path, `epoch ${this.epoch}\n${[...this.set].map((h) => h + '\n').join('')}`, { fsync: false });
  }

  /** Start over under a new epoch (after our own gc --cloud rewrote it). */
  reset(epoch: string): void {
    this.epoch = epoch;
    this.set.clear();
    this.forget([]);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
