/**
 * `REPRO_TIMING=1`: phase marks with milliseconds since the process started, printed to stderr
 * when the process exits. For finding where start-up or a run spends its time; off by default
 * (one environment lookup at load, then a no-op call per mark).
 */
const enabled = process.env.REPRO_TIMING === '1';
const marks: [string, number][] = [];

export function mark(name: string): void {
  if (!enabled) return;
  if (marks.length === 0)
    process.once('exit', () => process.stderr.write(marks.map(([n, t]) => `timing ${t.toFixed(1).padStart(8)} ms  ${n}\n`).join('')));
  marks.push([name, performance.now()]);
}
