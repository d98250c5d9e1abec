/**
 * Words for `repro checkout`. Pure: takes the data ops/checkout returns (model/run.ts). One line
 * per output that is not simply unchanged, then a count.
 */
import type { CheckoutResult } from '../../model/run.js';
import { count, plural } from '../../core/plural.js';

export function renderCheckout(res: CheckoutResult): string {
  const lines: string[] = [];
  if (res.modified.length) {
    for (const m of res.modified) {
      for (const f of m.files) lines.push(`modified  ${f === '' ? m.path : `${m.path}/${f}`} (stage ${m.stage}): not in the cache`);
    }
    lines.push(
      `nothing restored: ${count(res.modified.length, 'output')} ${plural(res.modified.length, 'has', 'have')} unsaved changes (--force discards them)`,
    );
    return lines.join('\n') + '\n';
  }
  for (const p of res.restored) lines.push(`restored  ${p}`);
  for (const m of res.missing) lines.push(`missing   ${m.path} (stage ${m.stage})`);
  for (const c of res.corrupt) {
    for (const b of c.objects) {
      lines.push(`corrupt   ${c.path} (stage ${c.stage}): object ${b.hash} ${b.movedTo ? `moved to ${b.movedTo}` : `at ${b.path}`}`);
    }
  }
  for (const n of res.notRun) {
    lines.push(
      `not run   stage ${n.stage} has no entry in repro.lock, nothing to restore: ${n.outs.join(', ')} (run 'repro run ${n.stage}')`,
    );
  }
  const counts = [`${res.restored.length} restored`, `${res.unchanged.length} unchanged`, `${res.missing.length} missing`];
  if (res.corrupt.length) counts.push(`${res.corrupt.length} corrupt`);
  if (res.notRun.length) counts.push(`${count(res.notRun.length, 'stage')} never run`);
  lines.push(counts.join(', '));
  return lines.join('\n') + '\n';
}
