/**
 * The human summary after `repro run --seeds`: one line per seed, then the sweep. Pure.
 */
import type { SweepResult } from '../../model/run.js';
import { count } from '../../core/plural.js';

const VERB: Record<string, string> = {
  executed: 'ran',
  restored: 'restored',
  'up-to-date': 'up to date',
  frozen: 'frozen',
  failed: 'FAILED',
  'not-run': 'not run',
};

export function renderSweepSummary(s: SweepResult): string {
  const lines: string[] = [];
  for (const { seed, result } of s.runs) {
    const parts = result.stages.map((st) => `${VERB[st.status] ?? st.status} ${st.name}${st.error ? ` (${st.error})` : ''}`);
    const rec = result.runId ? `; run ${result.runId}` : result.recordError ? `; not recorded: ${result.recordError}` : '';
    lines.push(`seed ${seed}: ${parts.join(', ') || 'nothing to run'}${rec}`);
  }
  if (s.ok) {
    lines.push(`workspace and repro.lock hold the outputs of seed ${s.seeds[0]}`);
    const stages = Object.keys(s.seedMetrics);
    if (stages.length) lines.push(`per-seed metrics written to repro.lock (seed_metrics of ${stages.join(', ')})`);
    lines.push(`sweep ${s.id}: ${count(s.runs.length, 'seed')}`);
  } else {
    const done = s.runs.length;
    lines.push(
      `${s.interrupted ? 'interrupted' : 'failed'}: sweep ${s.id} stopped after ${done} of ${count(s.seeds.length, 'seed')}; seed_metrics not written`,
    );
  }
  return lines.join('\n') + '\n';
}
