import { fingerprint, type EnvFingerprint } from '../../env/index.js';
import { probe } from '../../exec/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { VERSION } from '../../version.js';
import type { RepoContext } from '../context.js';

/** The tools a pipeline asks to fingerprint: `env.tools` in repro.yaml, then in .exprc. */
export function fingerprintTools(ctx: RepoContext, pipeline: Pipeline | null | undefined): string[] {
  return [...(pipeline?.envTools ?? []), ...ctx.config.env.tools];
}

/**
 * This machine's environment fingerprint, probed the way every command probes it (runtimes,
 * `tools`, GPU), so two fingerprints compare like with like. The probes are child processes
 * (`python3 --version` can take 70 ms behind a pyenv shim): `repro run` starts this when its
 * first stage starts, so the probes overlap the stage instead of delaying the record. They run at
 * the repository root `root`, as stages do, so a tool that reads a relative file (`cat
 * requirements.txt`, a pyenv `.python-version`) answers the same from any subdirectory.
 */
export function machineFingerprint(tools: (string | { name: string; cmd: string })[], root: string): Promise<EnvFingerprint> {
  return fingerprint({ reproVersion: VERSION, tools, probe: (cmd) => probe(cmd, { cwd: root }) });
}
