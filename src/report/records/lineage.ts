/**
 * `repro lineage PATH` as text: the output, then its inputs as a tree (each with its hash and
 * producing stage and run), then the other versions along history. Pure; the shapes are model/'s.
 */
import type { LineageNode, LineageResult } from '../../model/records.js';
import { short } from '../run/reasons.js';

export function renderLineage(res: LineageResult): string {
  const L: string[] = [];
  if (res.within) L.push(`${res.within} is inside the output ${res.path}`);
  if (res.workspace_hash === null) L.push(`${res.path} is not in the workspace; showing what repro.lock records`);
  else if (res.modified)
    L.push(
      `warning: ${res.path} in the workspace differs from repro.lock (${short(res.lock_hash)} recorded, ${short(res.workspace_hash)} now)`,
    );
  L.push(describe(res.lineage));
  const walk = (n: LineageNode, prefix: string): void => {
    n.inputs.forEach((c, i) => {
      const last = i === n.inputs.length - 1;
      L.push(`${prefix}${last ? '└─ ' : '├─ '}${describe(c)}`);
      walk(c, prefix + (last ? '   ' : '│  '));
    });
  };
  walk(res.lineage, '');
  const others = res.versions.filter((v) => !v.current);
  if (res.versions.length) {
    L.push('', `versions along history (${others.length} other than the workspace's):`);
    for (const v of res.versions) L.push(`  ${v.run}  ${short(v.hash)}  ${v.stage}${v.current ? '  (this version)' : ''}`);
  }
  for (const w of res.warnings) L.push(`warning: skipped an unreadable record: ${w}`);
  return L.join('\n') + '\n';
}

function describe(n: LineageNode): string {
  const head = `${n.path}  ${n.hash ? short(n.hash) : '(missing)'}`;
  if (n.stage === null) return `${head}  source`;
  const key = n.key ? ` (key ${n.key.slice(0, 8)})` : '';
  const run = n.run
    ? `, run ${n.run.id}${n.run.status === 'restored' ? ' (restored from the run cache)' : ''}${n.run.on_history ? '' : ' (not on this branch)'}`
    : ', no recorded run';
  const stale = n.matches ? '' : `  [stage '${n.stage}' last recorded another content]`;
  return `${head}  stage '${n.stage}'${key}${run}${n.seen ? '  (shown above)' : ''}${stale}`;
}
