/**
 * The machine a run happened on, as recorded (env/ computes it, records hold it, `show` and `diff`
 * compare it). Types only.
 */

/**
 * The machine a run happened on, as plain data with sorted keys (hashable with canonicalJson,
 * diffable with diffFingerprints). Every string in it has been through `redactText`.
 * No hostname, user name or home directory is recorded.
 */
export interface EnvFingerprint {
  os: { platform: string; release: string; arch: string; version?: string };
  cpu: { model: string; count: number };
  memory_bytes: number;
  /** process.version of the Node running repro. */
  node: string;
  repro: string;
  /** Program name (first word of the probe command) → its version output. Failed probes are left out. */
  runtimes: Record<string, string>;
  /** Tool name → command, full output and sha256 of that output. Failed probes are left out. */
  tools: Record<string, { cmd: string; output: string; hash: string }>;
  /** Present only when nvidia-smi is on PATH and answered; in its device order. */
  gpu?: { name: string; driver: string; memory?: string }[];
  /** LC_ALL, else LANG, else 'C': what the stage commands' locale resolves to. */
  locale: string;
  /** TZ, else the system zone. */
  timezone: string;
}

/** One field that differs between two fingerprints (`env_diff` of show, replay and diff). */
export interface FingerprintChange {
  /** Dotted path: `os.release`, `runtimes.python3`, `gpu.0.driver`, `tools.pip freeze.output`. */
  field: string;
  a: string;
  b: string;
}
