import { loadExeca } from './lib.js';

/**
 * Short probes of the machine (`python3 --version`, `pip freeze`): never throw, always bounded
 * by a timeout, stdin closed, output buffered whole (probes are expected to print little).
 */

export interface ToolResult {
  /** Exited 0 within the timeout. */
  ok: boolean;
  stdout: string;
  stderr: string;
}

export interface ToolOptions {
  /** Default 5000. On expiry the tool gets SIGTERM, then SIGKILL 1 s later. */
  timeoutMs?: number;
  cwd?: string;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** Runs `cmd args...` without a shell. The final newline of each stream is stripped. */
export async function runTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  try {
    const { execa } = await loadExeca();
    const r = await execa(cmd, args, {
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      forceKillAfterDelay: 1000,
      stdin: 'ignore',
      reject: false,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { ok: !r.failed && r.exitCode === 0, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } catch (e) {
    // reject:false already turns spawn failures into results; this is for anything unforeseen.
    return { ok: false, stdout: '', stderr: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Runs a command line through `/bin/sh -c` and returns its output trimmed (stdout, or stderr when
 * stdout is empty: `python --version` used to print there), or null when it failed or timed out.
 * This is the `probe` the env fingerprint takes.
 */
export async function probe(cmdLine: string, opts: ToolOptions = {}): Promise<string | null> {
  const r = await runTool('/bin/sh', ['-c', cmdLine], opts);
  if (!r.ok) return null;
  const out = r.stdout.trim() !== '' ? r.stdout : r.stderr;
  return out.trim();
}
