import { accessSync, constants } from 'node:fs';
import { arch, cpus, platform, release, totalmem, version } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { sha256 } from '../core/canonical.js';
import { isErrno } from '../core/errors.js';
import type { EnvFingerprint } from '../model/env.js';
import { redactTextsFully } from './secret-rules.js';
import { redactText } from './secrets.js';

export type { EnvFingerprint };

/** Runs a command line and returns its trimmed output, or null when it failed. `exec.probe` fits. */
export type Probe = (cmdLine: string) => Promise<string | null>;

export interface FingerprintOptions {
  reproVersion: string;
  /** Version commands; default ['python3 --version']. */
  runtimes?: string[];
  /** Commands whose whole output is kept (`pip freeze`, `npm ls --all`); named by the command itself unless given a name. */
  tools?: (string | { name: string; cmd: string })[];
  /** Without a probe nothing is spawned: runtimes, tools and gpu stay empty. */
  probe?: Probe;
  /** For PATH lookup, locale, timezone and redaction; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const GPU_QUERY = 'nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader';

/** Probes run in parallel; with no probe the call costs well under a millisecond or two. */
export async function fingerprint(opts: FingerprintOptions): Promise<EnvFingerprint> {
  const env = opts.env ?? process.env;
  const probe = opts.probe;
  const runtimeCmds = opts.runtimes ?? ['python3 --version'];
  const toolSpecs = (opts.tools ?? []).map((t) => (typeof t === 'string' ? { name: t, cmd: t } : t));

  const [runtimeOut, toolOut, gpuOut] = await Promise.all([
    Promise.all(runtimeCmds.map((cmd) => (probe ? probe(cmd) : null))),
    Promise.all(toolSpecs.map((t) => (probe ? probe(t.cmd) : null))),
    probe && onPath('nvidia-smi', env) ? probe(GPU_QUERY) : null,
  ]);

  const runtimes: Record<string, string> = {};
  runtimeCmds.forEach((cmd, i) => {
    const out = runtimeOut[i];
    if (out !== null && out !== undefined) runtimes[basename(cmd.trim().split(/\s+/)[0] ?? cmd)] = out;
  });
  const tools: EnvFingerprint['tools'] = {};
  // Tool output (`pip freeze`, `npm config list`) is free text: the maintained rule set too, and
  // the hash is of what is stored. Loads that rule set only when some tool answered.
  const answered = toolSpecs
    .map((t, i) => ({ t, out: toolOut[i] }))
    .filter((x): x is { t: typeof x.t; out: string } => typeof x.out === 'string');
  const outputs = await redactTextsFully(
    answered.map((x) => x.out),
    env,
  );
  answered.forEach(({ t }, i) => {
    const output = outputs[i]!;
    tools[t.name] = { cmd: t.cmd, output, hash: sha256(output) };
  });

  const cpuList = cpus();
  const fp: EnvFingerprint = {
    os: { platform: platform(), release: release(), arch: arch(), version: version() },
    cpu: { model: (cpuList[0]?.model ?? 'unknown').trim().replace(/\s+/g, ' '), count: cpuList.length },
    memory_bytes: totalmem(),
    node: process.version,
    repro: opts.reproVersion,
    runtimes,
    tools,
    locale: env.LC_ALL || env.LANG || 'C',
    timezone: env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  };
  const gpu = gpuOut ? parseGpus(gpuOut) : [];
  if (gpu.length > 0) fp.gpu = gpu;
  return clean(fp, env) as EnvFingerprint;
}

/** Parses nvidia-smi CSV rows: `NVIDIA A100-SXM4-40GB, 535.104.05, 40960 MiB`. */
export function parseGpus(csv: string): { name: string; driver: string; memory?: string }[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((f) => f.trim()))
    .filter((f) => f[0] !== undefined && f[0] !== '')
    .map(([name, driver, memory]) => (memory ? { name: name!, driver: driver ?? '', memory } : { name: name!, driver: driver ?? '' }));
}

const NOT_HERE = ['ENOENT', 'EACCES', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'];

/** True when an executable `name` is in one of PATH's directories. Does not spawn. */
function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch (e) {
      if (!NOT_HERE.some((code) => isErrno(e, code))) throw e;
    }
  }
  return false;
}

/** Deep copy with object keys sorted, strings redacted and undefined members dropped. */
function clean(v: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof v === 'string') return redactText(v, env);
  if (Array.isArray(v)) return v.map((x) => clean(x, env));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = clean(x, env);
    }
    return out;
  }
  return v;
}
