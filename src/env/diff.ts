import type { EnvFingerprint, FingerprintChange } from '../model/env.js';

/** What a field shows on the side where it does not exist. */
export const ABSENT = '(absent)';

export type { FingerprintChange };

/**
 * The fields that differ between two fingerprints, sorted by field. Leaves compare as strings;
 * a field missing on one side shows ABSENT there. A multi-line tool output (`pip freeze`) is
 * reported as one change whose sides hold only the lines unique to each side, and its `hash`
 * is then not reported separately.
 */
export function diffFingerprints(a: EnvFingerprint, b: EnvFingerprint): FingerprintChange[] {
  const fa = flatten(withoutToolOutputs(a));
  const fb = flatten(withoutToolOutputs(b));
  const changes: FingerprintChange[] = [];
  for (const field of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    const va = fa.get(field) ?? ABSENT;
    const vb = fb.get(field) ?? ABSENT;
    if (va !== vb) changes.push({ field, a: va, b: vb });
  }
  for (const name of [...new Set([...Object.keys(a.tools ?? {}), ...Object.keys(b.tools ?? {})])].sort()) {
    const ta = a.tools?.[name];
    const tb = b.tools?.[name];
    if (ta === undefined || tb === undefined || ta.hash === tb.hash) continue; // absence shows via `cmd`
    changes.push({ field: `tools.${name}.output`, ...lineDiff(ta.output, tb.output) });
  }
  return changes.sort((x, y) => (x.field < y.field ? -1 : x.field > y.field ? 1 : 0));
}

/** Tool outputs are compared line-wise below, so drop them (and their hashes) from the leaves. */
function withoutToolOutputs(fp: EnvFingerprint): unknown {
  const tools: Record<string, { cmd: string }> = {};
  for (const [name, t] of Object.entries(fp.tools ?? {})) tools[name] = { cmd: t.cmd };
  return { ...fp, tools };
}

/** A single-line output is shown whole; multi-line ones only by the lines unique to each side. */
function lineDiff(a: string, b: string): { a: string; b: string } {
  if (!a.includes('\n') && !b.includes('\n')) return { a, b };
  const la = new Set(a.split('\n'));
  const lb = new Set(b.split('\n'));
  return {
    a: [...la].filter((l) => !lb.has(l)).join('\n'),
    b: [...lb].filter((l) => !la.has(l)).join('\n'),
  };
}

function flatten(v: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined) flatten(x, prefix === '' ? k : `${prefix}.${k}`, out);
    }
  } else if (prefix !== '') {
    out.set(prefix, String(v));
  }
  return out;
}
