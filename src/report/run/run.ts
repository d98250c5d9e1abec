import type { RunResult } from '../../model/run.js';
import { describeReason } from './reasons.js';

/** The human summary after `repro run`: one line per stage that did something, then failures. */
export function renderRunSummary(res: RunResult): string {
  const lines: string[] = [];
  const count = (st: string): number => res.stages.filter((s) => s.status === st).length;
  for (const s of res.stages) {
    switch (s.status) {
      case 'executed': {
        lines.push(`ran       ${s.name}${s.durationMs !== undefined ? ` (${fmtMs(s.durationMs)})` : ''}`);
        // Why a run-cache hit was executed anyway: another machine's outputs of a machine-dependent stage.
        for (const r of s.reasons) if (r.kind === 'run-cache-elsewhere') lines.push(`    ${describeReason(r)}`);
        break;
      }
      case 'restored':
        lines.push(
          s.fromRemote
            ? `restored  ${s.name} (from remote ${s.fromRemote}: this key ran on another machine)`
            : `restored  ${s.name} (from the run cache: this key ran before)`,
        );
        break;
      case 'would-run':
        lines.push(`would run ${s.name}: ${s.reasons.map(describeReason).join('; ')}`);
        if (s.error) lines.push(`    and ${s.error}`); // `--dry` sees the run would fail (a dep nothing makes)
        break;
      case 'failed':
        lines.push(`FAILED    ${s.name}: ${s.error ?? 'failed'}`);
        for (const l of s.stderrTail ?? []) lines.push(`    | ${l}`);
        break;
      case 'not-run':
        lines.push(`not run   ${s.name}: ${s.error ?? ''}`);
        break;
    }
  }
  const parts = [
    ['ran', count('executed')],
    ['restored', count('restored')],
    ['up to date', count('up-to-date')],
    ['would run', count('would-run')],
    ['failed', count('failed')],
    ['not run', count('not-run')],
    ['frozen', count('frozen')],
  ].filter(([, n]) => (n as number) > 0);
  const head = res.interrupted ? 'interrupted: ' : '';
  lines.push(`${head}${parts.map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing to run'}`);
  if (res.runId) lines.push(`recorded run ${res.runId}`);
  for (const w of res.recordWarnings ?? []) lines.push(`warning: ${w}`);
  if (res.recordError) lines.push(`warning: the run was not recorded: ${res.recordError}`);
  return lines.join('\n') + '\n';
}

export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
