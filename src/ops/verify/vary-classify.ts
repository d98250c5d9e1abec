import type { LockStage } from '../../lock/index.js';
import type { RerunOutput } from '../../model/verify.js';
import type { VaryDiff, VaryOutcome, VaryStage } from '../../model/vary.js';
import type { IsolatedResult } from '../isolated/engine.js';
import { toOutput } from './rerun.js';
import { HINTS, type Variation } from './vary-plan.js';

/**
 * One stage's class from the reference re-run and the re-runs under each variation:
 * - not classified (`class` null, `error`): the reference failed, or ran on inputs that are not
 *   the recorded ones (the lock is stale for this checkout);
 * - unstable: the reference differs from repro.lock;
 * - deterministic: no variation changed an output; seed-dependent: only `seed` did;
 * - environment-dependent: another variation changed an output, or made the command fail.
 * Outputs are compared byte for byte: a tolerance does not make an output the same.
 */
export function classify(
  st: VaryStage,
  reference: IsolatedResult,
  runs: { v: Variation; res: IsolatedResult }[],
  entry: LockStage,
): VaryStage {
  const ref = reference.stages.find((s) => s.name === st.name);
  if (!ref || ref.action !== 'executed') {
    return { ...st, error: `the reference re-run did not succeed: ${ref?.error ?? 'not run'}` };
  }
  if (ref.input_changes.length) {
    const c = ref.input_changes[0]!;
    return {
      ...st,
      error: `input '${c.path}' is not what repro.lock records (${c.actual === null ? 'missing' : 'other content'}): run repro run first, or fetch the data`,
    };
  }
  const refDiff = firstDiff(reference, st.name);
  // The wall clock cannot be held still without faketime: a re-run that differs at a date or
  // time (a timestamp in text, a gzip or tar header's mtime), the reference itself or the `time`
  // run, is time-dependent, not unstable; other variations cannot be judged past a moving clock.
  const timeRun = runs.find((r) => r.v.name === 'time');
  if (refDiff && explainedBy(reference, st.name) === 'path') {
    // The reference runs in a temporary copy, never where the record was made: a difference at a
    // path of either is the directory reaching the output.
    const o: VaryOutcome = {
      variation: 'path',
      what: 'run from another directory than the record',
      status: 'differs',
      diff: refDiff,
      error: null,
      hint: HINTS.path,
    };
    return { ...st, class: 'environment-dependent', reference: refDiff, variations: [o], differs_when: ['path'], hint: HINTS.path };
  }
  const clockDiff =
    refDiff && followsClock(reference, st.name)
      ? refDiff
      : !refDiff && timeRun && followsClock(timeRun.res, st.name)
        ? firstDiff(timeRun.res, st.name)
        : null;
  if (clockDiff) {
    const o: VaryOutcome = {
      variation: 'time',
      what: timeRun?.v.what ?? 'a later wall clock (the reference re-run)',
      status: 'differs',
      diff: clockDiff,
      error: null,
      hint: HINTS.time,
    };
    return { ...st, class: 'environment-dependent', reference: refDiff, variations: [o], differs_when: ['time'], hint: HINTS.time };
  }
  if (refDiff) return { ...st, class: 'unstable', reference: refDiff, hint: HINTS.unstable };
  const variations: VaryOutcome[] = runs.map(({ v, res }) => outcome(st.name, v, res, entry));
  const differs = variations.filter((o) => o.status === 'differs' || o.status === 'failed').map((o) => o.variation);
  const cls = differs.length === 0 ? 'deterministic' : differs.every((d) => d === 'seed') ? 'seed-dependent' : 'environment-dependent';
  const firstEnv = variations.find((o) => o.variation !== 'seed' && (o.status === 'differs' || o.status === 'failed'));
  return {
    ...st,
    class: cls,
    variations,
    differs_when: differs,
    hint: cls === 'environment-dependent' ? firstEnv!.hint : cls === 'seed-dependent' ? HINTS.seed : null,
  };
}

function outcome(name: string, v: Variation, res: IsolatedResult, entry: LockStage): VaryOutcome {
  const o: VaryOutcome = { variation: v.name, what: v.what, status: 'same', diff: null, error: null, hint: null };
  if (v.name === 'seed' && (entry.seed === null || entry.seed === undefined))
    return { ...o, status: 'not-applicable', what: 'the stage has no seed' };
  const s = res.stages.find((x) => x.name === name);
  if (!s || s.action !== 'executed') {
    const tail = s?.stderr_tail.at(-1);
    return { ...o, status: 'failed', error: `${s?.error ?? 'not run'}${tail ? `: ${tail}` : ''}`, hint: HINTS[v.name] };
  }
  const d = firstDiff(res, name);
  return d ? { ...o, status: 'differs', diff: d, hint: HINTS[v.name] } : o;
}

/** The first output of `stage` in `res` that is not byte-identical to the lock, or null. */
export function firstDiff(res: IsolatedResult, stage: string): VaryDiff | null {
  for (const r of res.outputs) {
    if (r.stage !== stage || r.outcome === 'identical') continue;
    const out = toOutput(r);
    return describe(out);
  }
  return null;
}

const CLOCK_KINDS = new Set(['date', 'time', 'timestamp']);
/** Bytes of a gzip header's MTIME, and of a tar header's mtime field (within each 512-byte block). */
const GZIP_MTIME = [4, 8];
const TAR_MTIME = [136, 148];

/** 'path' when the first difference of `stage`'s outputs is at a path of the copy or the workspace. */
function explainedBy(res: IsolatedResult, stage: string): 'path' | null {
  const r = res.outputs.find((x) => x.stage === stage && x.outcome !== 'identical');
  if (!r) return null;
  return toOutput(r).volatile.some((v) => v.kinds.includes('path')) ? 'path' : null;
}

/** Whether the first difference of `stage`'s outputs is at a date or time (see classify). */
export function followsClock(res: IsolatedResult, stage: string): boolean {
  const r = res.outputs.find((x) => x.stage === stage && x.outcome !== 'identical');
  if (!r) return false;
  const o = toOutput(r);
  if (o.volatile.some((v) => v.kinds.some((k) => CLOCK_KINDS.has(k)))) return true;
  if (o.byte_offset === null) return false;
  const path = o.files ? (o.files.changed[0] ?? '') : o.path;
  if (/\.(gz|tgz)$/.test(path)) return o.byte_offset >= GZIP_MTIME[0]! && o.byte_offset < GZIP_MTIME[1]!;
  if (/\.tar$/.test(path)) return o.byte_offset % 512 >= TAR_MTIME[0]! && o.byte_offset % 512 < TAR_MTIME[1]!;
  return false;
}

function describe(o: RerunOutput): VaryDiff {
  const inner = o.files ? (o.files.changed[0] ?? o.files.added[0] ?? o.files.removed[0]) : undefined;
  const path = inner ? `${o.path.replace(/\/$/, '')}/${inner}` : o.path;
  const plus = o.diff?.find((l) => l.startsWith('+') && !l.startsWith('+++'));
  const minus = o.diff?.find((l) => l.startsWith('-') && !l.startsWith('---'));
  const detail =
    o.status === 'missing'
      ? 'not produced'
      : o.files && !inner
        ? null
        : o.files
          ? `${o.files.added.length} added, ${o.files.removed.length} removed, ${o.files.changed.length} changed`
          : o.detail;
  return {
    path,
    line: o.first_line,
    text: plus !== undefined ? plus.slice(1) : minus !== undefined ? null : null,
    byte_offset: o.byte_offset,
    detail,
  };
}
