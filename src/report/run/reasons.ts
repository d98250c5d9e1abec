/** Words for staleness reasons. Pure: takes the data ops/ returns (`Reason`, model/stage.ts). */
import type { Reason } from '../../model/stage.js';

export function short(v: unknown): string {
  if (v === null || v === undefined || v === '') return '(none)';
  if (typeof v === 'string' && /^[0-9a-f]{64}(\.dir)?$/.test(v)) return v.slice(0, 8) + (v.endsWith('.dir') ? '.dir' : '');
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function describeReason(r: Reason): string {
  switch (r.kind) {
    case 'never-run':
      return 'never run';
    case 'forced':
      return 'forced';
    case 'always-changed':
      return 'always_changed is set';
    case 'cmd':
      return `cmd changed: '${(r.from as string[]).join(' && ')}' -> '${(r.to as string[]).join(' && ')}'`;
    case 'wdir':
      return `wdir changed: ${short(r.from)} -> ${short(r.to)}`;
    case 'dep':
      if (r.to === '') return `dep missing: '${r.path}'`;
      if (r.from === null) return `dep added: '${r.path}'`;
      if (r.to === null) return `dep removed: '${r.path}'`;
      return `dep changed: '${r.path}' (${short(r.from)} -> ${short(r.to)})`;
    case 'param':
      if (r.from === undefined) return `param added: ${r.key || r.file} = ${short(r.to)}`;
      if (r.to === undefined) return `param removed: ${r.key || r.file} (was ${short(r.from)})`;
      return `param changed: ${r.key || r.file} ${short(r.from)} -> ${short(r.to)}`;
    case 'lock':
      return `lock file changed: '${r.path}' (${short(r.from)} -> ${short(r.to)})`;
    case 'env':
      return `env changed: ${r.name} ${short(r.from)} -> ${short(r.to)}`;
    case 'seed':
      return `seed changed: ${short(r.from)} -> ${short(r.to)}`;
    case 'outs':
      if (r.from === null) return `output declared: '${r.path}'`;
      if (r.to === null) return `output no longer declared: '${r.path}'`;
      return `output kind changed: '${r.path}' ${short(r.from)} -> ${short(r.to)}`;
    case 'out-missing':
      return `output missing: '${r.path}'`;
    case 'out-modified':
      return `output modified: '${r.path}' (${short(r.from)} -> ${short(r.to)})`;
    case 'upstream':
      return `upstream stage '${r.stage}' changes`;
    case 'cache-corrupt':
      return `cached output corrupt, rebuilding: '${r.path}' (object ${short(r.object)} moved aside)`;
    case 'run-cache-elsewhere':
      return `not restored from the run cache: observed ${r.observed} (verify --vary) and the entry was made ${r.host === null ? 'on another machine (fetched from a remote)' : `on host '${r.host}'`}; declare deterministic: false to restore it`;
    default:
      // a kind this build does not know (a newer repro's JSON): its name
      return (r as { kind: string }).kind;
  }
}
