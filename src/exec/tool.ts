import { execFile } from 'node:child_process';

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
export function runTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  // node's execFile: execa's ~50-90 ms module load was most of the cost of recording a run.
  return new Promise((resolve) => {
    let killer: NodeJS.Timeout | undefined;
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        clearTimeout(killer);
        const strip = (t: string) => t.replace(/\r?\n$/, '');
        resolve({ ok: err === null, stdout: strip(stdout ?? ''), stderr: strip(stderr ?? '') || (err && !stderr ? err.message : '') });
      },
    );
    child.stdin?.end();
    // The timeout sends SIGTERM; a tool that ignores it gets SIGKILL a second later.
    child.once('exit', () => clearTimeout(killer));
    const t = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    killer = setTimeout(() => child.kill('SIGKILL'), t + 1000);
    killer.unref();
  });
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
