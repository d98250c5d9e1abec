/** The words for one stage's state, shared by run results, records, status and verify. Types only. */

/**
 * Why a stage is stale. Data only: report/ turns these into words. `from`/`to` are the recorded
 * and the current value (a hash, a param value, a command).
 */
export type Reason =
  | { kind: 'never-run' }
  | { kind: 'forced' }
  | { kind: 'always-changed' }
  | { kind: 'cmd'; from: string[]; to: string[] }
  | { kind: 'wdir'; from: string; to: string }
  | { kind: 'dep'; path: string; from: string | null; to: string | null }
  | { kind: 'param'; file: string; key: string; from?: unknown; to?: unknown }
  | { kind: 'lock'; path: string; from: string | null; to: string | null }
  | { kind: 'env'; name: string; from: string | null; to: string | null }
  | { kind: 'seed'; from: number | null; to: number | null }
  | { kind: 'outs'; path: string; from: string | null; to: string | null }
  | { kind: 'out-missing'; path: string }
  | { kind: 'out-modified'; path: string; from: string; to: string }
  | { kind: 'upstream'; stage: string }
  /** A run-cache hit not restored: the cached object for `path` (`hash`, or its member `object`) is bad or gone. */
  | { kind: 'cache-corrupt'; path: string; hash: string; object: string }
  /**
   * A run-cache hit not restored: the stage was observed `unstable` or `environment-dependent`
   * (verify --vary) and the entry was made on another machine (`host`; null: fetched from a remote).
   */
  | { kind: 'run-cache-elsewhere'; observed: 'unstable' | 'environment-dependent'; host: string | null };

export type StageStatus = 'executed' | 'restored' | 'up-to-date' | 'frozen' | 'failed' | 'not-run' | 'would-run';
