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
 * The file: first line `epoch <token>`, then one hash per line, appended as uploads finish; a
 * manifest's line also carries how many distinct files it names (`<hash>.dir <n>`), so a push of
 * a directory known to be there reads neither the manifest nor its files (a line without the
 * count, from an older repro, only costs reading the manifest). The remote's epoch (`repro-epoch`, rewritten by every `repro gc --cloud`) is read at the start of
 * each push: when it differs, everything remembered is dropped, so objects removed by another
 * clone's gc are uploaded again. A remembered answer can cost a re-check; it can never make push
 * skip an object the remote lost to repro's own gc. (Objects deleted behind repro's back are not
 * seen: remove `.repro/remotes/` after doing that.) A torn last line (kill -9) is ignored.
 *
 * Lookups are lazy: the first `LAZY_LOOKUPS` are answered by searching the file's text (a no-op
 * push asks about one manifest, not 100k files); past that, the text is parsed into a set once.
 * Each search reads the whole text, as parsing does once, so only a few are worth it.
 */
const LAZY_LOOKUPS = 4;
const DIR_LINE = /^([0-9a-f]{64}\.dir) (\d+)$/;

export class KnownSet {
  /** Parsed lines (hash → member count for a manifest with one, else -1); undefined while lazy. */
  private set: Map<string, number> | undefined;
  /** The file's trusted text (through its last newline), searched while lazy; '' when fresh. */
  private text = '';
  /** Added since load, while lazy. */
  private readonly added = new Map<string, number>();
  private lookups = 0;
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
    const head = `epoch ${epoch}\n`;
    if (text.startsWith(head)) {
      // From the newline that ends the epoch line through the last newline: a torn last line
      // (no newline) is left out, so it is never trusted.
      ks.text = text.slice(head.length - 1, text.lastIndexOf('\n') + 1);
    } else {
      mkdirSync(dir, { recursive: true });
      writeFileAtomicSync(ks.path, head, { fsync: false });
    }
    return ks;
  }

  has(hash: string): boolean {
    return this.count(hash) !== undefined;
  }

  /**
   * Undefined when not known; for a known manifest, the number of distinct files it names when
   * that was remembered, else -1 (also for a file).
   */
  count(hash: string): number | undefined {
    if (this.set) return this.set.get(hash);
    const a = this.added.get(hash);
    if (a !== undefined) return a;
    if (++this.lookups > LAZY_LOOKUPS) return this.parsed().get(hash);
    if (!isObjectHash(hash)) return undefined;
    let n: number | undefined;
    for (let i = this.text.indexOf(`\n${hash}`); i !== -1; i = this.text.indexOf(`\n${hash}`, i + 1)) {
      const end = this.text.indexOf('\n', i + 1);
      const line = this.text.slice(i + 1, end);
      if (line === hash) n = Math.max(n ?? -1, -1);
      else {
        const m = DIR_LINE.exec(line);
        if (m && m[1] === hash) n = Math.max(n ?? -1, Number(m[2]));
      }
    }
    return n;
  }

  /** Every line parsed, once; later lookups use the set. */
  private parsed(): Map<string, number> {
    if (this.set) return this.set;
    const set = new Map<string, number>();
    for (const line of this.text.split('\n')) {
      if (isObjectHash(line)) {
        if (!set.has(line)) set.set(line, -1);
      } else {
        const m = DIR_LINE.exec(line);
        if (m) set.set(m[1]!, Math.max(set.get(m[1]!) ?? -1, Number(m[2])));
      }
    }
    for (const [h, n] of this.added) set.set(h, Math.max(set.get(h) ?? -1, n));
    this.added.clear();
    this.text = '';
    this.set = set;
    return set;
  }

  get size(): number {
    return this.parsed().size;
  }

  /**
   * Remember hashes the remote now holds (one append per call); `counts` gives a manifest's
   * number of distinct files.
   */
  add(hashes: readonly string[], counts?: ReadonlyMap<string, number>): void {
    const lines: string[] = [];
    // Parsed: one lookup per hash (a push's uploads come here 64 at a time, 10k of them ~10 ms
    // through `count`); a file's hash has no count to look up. `this.set` is read after each
    // lookup: `count` may parse the file (and empty `added`) part-way through the list.
    for (const h of hashes) {
      const n = counts && h.endsWith('.dir') ? (counts.get(h) ?? -1) : -1;
      const had = this.set ? this.set.get(h) : this.count(h);
      if (had !== undefined && had >= n) continue;
      if (this.set) this.set.set(h, n);
      else this.added.set(h, n);
      lines.push(n >= 0 ? `${h} ${n}` : h);
    }
    if (!lines.length) return;
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, lines.join('\n') + '\n');
  }

  /** Forget hashes (removed from the remote by our own gc). Rewrites the file. */
  forget(hashes: Iterable<string>): void {
    const set = this.parsed();
    for (const h of hashes) set.delete(h);
    this.close();
    const lines = [...set].map(([h, n]) => (n >= 0 ? `${h} ${n}\n` : `${h}\n`));
    writeFileAtomicSync(this.path, `epoch ${this.epoch}\n${lines.join('')}`, { fsync: false });
  }

  /** Start over under a new epoch (after our own gc --cloud rewrote it). */
  reset(epoch: string): void {
    this.epoch = epoch;
    this.set = new Map();
    this.added.clear();
    this.text = '';
    this.forget([]);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
