import type { Stage } from '../../pipeline/index.js';
import { lowerBound } from '../../core/sorted.js';

/** The error of a stage whose deps are missing: the first one, with where repro.yaml declares it. */
export function missingDepsText(missing: Stage['deps']): string {
  const m = missing[0]!;
  return `dependency missing: '${m.path}' (${m.pos.file}:${m.pos.line})${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}`;
}

/**
 * The deps in `missing` that none of `produced` (outputs of upstream stages due to run) makes:
 * a dep is made by an output equal to it, one of its parent directories, or an output inside it.
 * O((deps + outputs) × path depth + outputs log outputs): the sink of a 10,000-stage fan-in has
 * 10,000 of each, and comparing every pair was 10^8 path checks in `repro status`.
 */
export function unproducedDeps(missing: Stage['deps'], produced: string[]): Stage['deps'] {
  if (missing.length === 0) return missing;
  const set = new Set(produced);
  const sorted = [...produced].sort();
  return missing.filter((d) => {
    if (set.has(d.path)) return false;
    for (let i = d.path.lastIndexOf('/'); i > 0; i = d.path.lastIndexOf('/', i - 1)) if (set.has(d.path.slice(0, i))) return false;
    if (d.path === '') return true; // the repository root: no output was ever counted as making it
    const prefix = d.path + '/';
    const at = lowerBound(sorted, prefix);
    return !(at < sorted.length && sorted[at]!.startsWith(prefix));
  });
}
