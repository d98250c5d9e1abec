import type { Tick } from './hash.js';
import type { Linker } from './link.js';
import type { ObjectStore } from './objects.js';
import type { StatCache } from './statcache.js';
import type { SigStore } from './dirsig.js';

/** What the store's operations share within one `openCache` instance. */
export interface Ctx {
  store: ObjectStore;
  linker: Linker;
  stats: StatCache;
  /** Directory signatures (dirsig.ts), beside the stat cache. */
  sigs: SigStore;
  /** Real path of the workspace root (`CacheOptions.root`), when given. */
  root?: string;
  /** Cooperative yield point for long synchronous loops. */
  tick: Tick;
}

/** Manifest mode of a file from its stat: only the owner's exec bit counts. */
export function modeOf(mode: number): 0o644 | 0o755 {
  return mode & 0o100 ? 0o755 : 0o644;
}
