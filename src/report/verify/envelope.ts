import type { RerunStage } from '../../model/verify.js';
import { count } from '../../core/plural.js';

/**
 * One line per metric judged against its envelope (`verify --rerun --seeds`, `tolerance: auto`):
 *   train: metrics.json:accuracy 0.842 (re-run 0.839), envelope 0.835-0.851 over 5 seeds: reproduced
 */
export function envelopeLines(s: RerunStage): string[] {
  const e = s.envelope;
  if (!e) return [];
  if (e.rows.length === 0) return [`${s.name}: ${e.note}`];
  return e.rows.map((r) => {
    const vals =
      r.recorded !== null
        ? `${fmt(r.recorded)}${r.rerun !== null && r.rerun !== r.recorded ? ` (re-run ${fmt(r.rerun)})` : ''}`
        : `re-run ${fmt(r.rerun)}`;
    const from = e.source === 'seed_metrics' ? " (the lock's seed sweep)" : '';
    return `${s.name}: ${r.key} ${vals}, envelope ${fmt(r.lo)}-${fmt(r.hi)} (min ${fmt(r.min)}, max ${fmt(r.max)}) over ${count(r.n, 'seed')}${from}: ${r.within ? 'reproduced' : 'outside the envelope'}`;
  });
}

function fmt(v: number | null): string {
  if (v === null) return '-';
  return Number(v.toPrecision(4)).toString();
}
