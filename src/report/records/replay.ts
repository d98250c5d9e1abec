/**
 * `repro replay` as text: where it ran, each stage, each output with what differs, the verdict.
 * Pure; the shapes are model/'s.
 */
import type { IsolatedStage } from '../../model/isolated.js';
import type { ReplayResult } from '../../model/records.js';
import { outcomeCounts, renderOutputs } from '../outputs.js';
import { fmtMs } from '../run/run.js';

export function renderReplay(res: ReplayResult): string {
  const L: string[] = [];
  const from = res.run.source_commit ? ` (from ${res.run.source_commit.slice(0, 7)})` : '';
  L.push(`replay of run ${res.run.id}${from}${res.kept ? ` in ${res.dir} (kept)` : ''}`);
  L.push(...renderStages(res.stages), '');
  L.push(...renderOutputs(res.outputs), '');
  const inputs = res.stages.flatMap((s) => s.input_changes.map((c) => `'${c.path}' ${c.actual === null ? 'missing' : 'differs'}`));
  const why = inputs.length ? ` (inputs are not the recorded ones: ${[...new Set(inputs)].join(', ')})` : '';
  const verdict = res.interrupted ? 'interrupted' : res.ok ? 'reproduced' : `NOT reproduced${why}`;
  L.push(`${outcomeCounts(res.outputs)}: ${verdict}`);
  if (!res.ok && res.env_diff.length)
    L.push(
      `the environment differs from the recorded one (${res.env_diff.map((d) => d.field).join(', ')}): 'repro show ${res.run.id}' lists how`,
    );
  return L.join('\n') + '\n';
}

function renderStages(stages: IsolatedStage[]): string[] {
  const L: string[] = [];
  for (const s of stages) {
    const why = s.requested ? '' : ' (upstream)';
    switch (s.action) {
      case 'restored':
        L.push(`  restored  ${s.name}: outputs from the recorded tree or the cache${why}`);
        break;
      case 'executed':
        L.push(
          `  ran       ${s.name}${why} (${s.duration_ms !== null ? fmtMs(s.duration_ms) : '?'}${s.seed !== null ? `, seed ${s.seed}` : ''})`,
        );
        break;
      case 'failed':
        L.push(`  FAILED    ${s.name}${why}: ${s.error ?? 'failed'}`);
        for (const l of s.stderr_tail) L.push(`      | ${l}`);
        break;
      default:
        L.push(`  not run   ${s.name}${why}: ${s.error ?? ''}`);
    }
    for (const c of s.input_changes) {
      L.push(
        `      input differs from the record: ${c.path} (${c.expected.slice(0, 8) || '(none)'} -> ${c.actual ? c.actual.slice(0, 8) : 'missing'})`,
      );
    }
  }
  return L;
}
