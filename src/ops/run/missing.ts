import type { Stage } from '../../pipeline/index.js';
import { PathIndex } from '../../core/sorted.js';

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
  const made = new PathIndex(produced);
  // The repository root: no output was ever counted as making it.
  return missing.filter((d) => (d.path === '' ? !made.has('') : made.overlapping(d.path).length === 0));
}
