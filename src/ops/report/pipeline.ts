import { describeReason } from '../../report/run/reasons.js';
import type { PipelineView, StageState } from '../../report/html/report-types.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { LoadedRun } from '../diff/run-records.js';
import { status } from '../run/status.js';

/**
 * The Pipeline section of `repro report`: every stage with its upstream (the DAG), its state and
 * what its newest run recorded. For the workspace the states are `repro status`'s, and a stale
 * stage whose newest run failed is `failed`; for a revision the lock is all there is, so a
 * stage is 'up-to-date' when locked, 'never-run' when not (`live: false`).
 */
export async function pipelineView(
  cwd: string,
  pipeline: Pipeline,
  lockStages: Set<string>,
  runs: LoadedRun[],
  live: boolean,
  env?: NodeJS.ProcessEnv,
): Promise<PipelineView> {
  const state = new Map<string, { state: StageState; reasons: string[] }>();
  if (live) {
    const st = await status({ cwd, env });
    for (const n of st.upToDate) state.set(n, { state: 'up-to-date', reasons: [] });
    for (const n of st.frozen) state.set(n, { state: 'frozen', reasons: [] });
    for (const s of st.stale) {
      const never = s.reasons.some((r) => r.kind === 'never-run');
      state.set(s.name, { state: never ? 'never-run' : 'stale', reasons: s.reasons.map(describeReason) });
    }
  }
  const stages = pipeline.stages.map((s) => {
    const newest = runs.find((r) => {
      const st = r.record.stages[s.name]?.status;
      return st === 'executed' || st === 'restored' || st === 'failed';
    });
    const rec = newest?.record.stages[s.name];
    let st = state.get(s.name) ?? { state: lockStages.has(s.name) ? ('up-to-date' as const) : ('never-run' as const), reasons: [] };
    if (rec?.status === 'failed' && st.state !== 'up-to-date')
      st = { state: 'failed', reasons: [rec.error ?? `exit code ${rec.exit_code}`, ...st.reasons] };
    return {
      name: s.name,
      upstream: pipeline.upstream.get(s.name) ?? [],
      state: st.state,
      reasons: st.reasons,
      duration_ms: rec?.duration_ms ?? null,
      seed: rec?.seed ?? s.seed,
      outs: s.outs.map((o) => ({ path: o.path, size: rec?.outs?.[o.path]?.size ?? null })),
    };
  });
  return { stages, live };
}
