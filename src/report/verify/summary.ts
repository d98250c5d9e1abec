import { describeReason, short } from '../run/reasons.js';
import type { FreshReason, FreshStage, GuardRow, RerunOutput, RerunStage, VerifyResult, VerifyStatus } from '../../model/verify.js';
import { count } from '../../core/plural.js';

/**
 * Words shared by every verify report (terminal, Markdown, JUnit, annotations): one line per
 * check, one per failing subject. Pure; no volatile values (times, paths of temp dirs), so the
 * same result renders byte-identical text.
 */

export interface CheckLine {
  name: 'freshness' | 'data' | 'rules' | 'rerun' | 'guardrails';
  status: VerifyStatus;
  summary: string;
}

export function checkLines(res: VerifyResult): CheckLine[] {
  const f = res.freshness.stages;
  const notFresh = f.filter((s) => s.status !== 'fresh' && s.status !== 'frozen');
  const freshness = notFresh.length
    ? `${notFresh.length} of ${count(f.length, 'stage')} not fresh: ${notFresh.map((s) => s.name).join(', ')}`
    : `${count(f.length, 'stage')} fresh${f.some((s) => s.status === 'frozen') ? ` (${f.filter((s) => s.status === 'frozen').length} frozen, not checked)` : ''}`;
  const ruleFails = res.rules.rules.filter((r) => r.status === 'fail');
  const ruleSkips = res.rules.rules.filter((r) => r.status === 'skip').length;
  const rules = ruleFails.length
    ? `${ruleFails.length} of ${count(res.rules.rules.length, 'rule')} name a missing or non-numeric metric`
    : `${count(res.rules.rules.length - ruleSkips, 'rule')} ${res.rules.rules.length - ruleSkips === 1 ? 'names an existing numeric metric' : 'name existing numeric metrics'}${ruleSkips ? `, ${ruleSkips} not checked (metrics file not there yet)` : ''}`;
  const lines: CheckLine[] = [
    { name: 'freshness', status: res.freshness.status, summary: freshness },
    { name: 'data', status: res.data.status, summary: res.data.note },
    { name: 'rules', status: res.rules.status, summary: rules },
  ];
  if ('stages' in res.rerun) {
    const st = res.rerun.stages;
    const bad = st.filter((s) => s.status !== 'reproduced' && s.status !== 'within-tolerance');
    const sample = res.rerun.sample ? ` (random sample of ${res.rerun.sample.k}, seed ${res.rerun.sample.seed})` : '';
    const tol = st.filter((s) => s.status === 'within-tolerance').length;
    lines.push({
      name: 'rerun',
      status: res.rerun.status,
      summary: bad.length
        ? `${bad.length} of ${count(st.length, 'stage')} did not reproduce: ${bad.map((s) => s.name).join(', ')}${sample}`
        : `${count(st.length, 'stage')} reproduced${tol ? ` (${tol} within tolerance)` : ''}${sample}`,
    });
  } else lines.push({ name: 'rerun', status: 'skip', summary: 'not requested (--rerun)' });
  if ('rows' in res.guardrails) {
    const g = res.guardrails;
    const n = (s: string): number => g.rows.filter((r) => r.status === s).length;
    const counts = [n('fail') && `${n('fail')} failed`, n('warn') && `${n('warn')} warned`].filter(Boolean).join(', ');
    const result = counts ? `: ${counts}` : ', all passed';
    let summary: string;
    if (g.base) {
      const against = `against ${g.base.ref} (${g.base.commit.slice(0, 7)})`;
      summary =
        g.rows.length === 0 ? `no checks: declared in repro.yaml ${against}` : `${count(g.rows.length, 'check')} ${against}${result}`;
    } else {
      summary =
        g.rows.length === 0
          ? 'no min/max checks: declared in repro.yaml'
          : `${count(g.rows.length, 'check')} of absolute bounds (min/max)${result}; --base REF also judges drops`;
    }
    lines.push({ name: 'guardrails', status: g.status, summary });
  } else lines.push({ name: 'guardrails', status: 'skip', summary: 'no min/max checks: to judge drops and rises, give --base REF' });
  return lines;
}

/** Why a stage is not fresh, in one line. */
export function freshLine(s: FreshStage): string {
  switch (s.status) {
    case 'never-run':
      return `${s.name}: in repro.yaml but never run (not in repro.lock)`;
    case 'removed':
      return `${s.name}: in repro.lock but no longer in repro.yaml`;
    default:
      return `${s.name}: ${s.reasons.map(freshReason).join('; ')}`;
  }
}

/**
 * A reason in the words of `repro status`; a Git-tracked output edited after its stage ran says
 * which hash the lock has, which the checkout has, and where in repro.lock.
 */
function freshReason(r: FreshReason): string {
  if (r.kind !== 'out-modified' || r.lock_line === undefined) return describeReason(r);
  const at = r.lock_line === null ? 'repro.lock' : `repro.lock:${r.lock_line}`;
  return `output modified: '${r.path}' (lock ${short(r.from)} -> checkout ${short(r.to)}, ${at})`;
}

/** One line per output that did not reproduce, then details (diff, byte offset, metrics). */
export function rerunLines(s: RerunStage): { head: string; detail: string[] } {
  if (s.status === 'failed' || s.status === 'not-run') {
    return {
      head: `${s.name}: ${s.error ?? s.status}`,
      detail: [...s.input_changes.map(inputLine), ...s.stderr_tail.map((l) => `| ${l}`)],
    };
  }
  const bad = s.outputs.filter((o) => o.status === 'differs' || o.status === 'missing');
  const detail: string[] = [];
  for (const o of bad) detail.push(...outputDetail(o));
  const why = [...s.input_changes.map(inputLine), ...bad.map((o) => `'${o.path}' ${o.status === 'missing' ? 'missing' : 'differs'}`)];
  return { head: `${s.name}: not reproduced: ${why.join(', ')}`, detail };
}

/**
 * A dep that was not what the lock recorded when the stage ran: `input 'd.csv' missing (the lock
 * has 1a2b3c4d)`, or `input 'd.csv' differs from the lock (1a2b3c4d -> 5e6f7a8b)`.
 */
export function inputLine(c: { path: string; expected: string; actual: string | null }): string {
  if (c.actual === null) return `input '${c.path}' missing (the lock has ${short(c.expected)})`;
  return `input '${c.path}' differs from the lock (${short(c.expected)} -> ${short(c.actual)})`;
}

export function outputDetail(o: RerunOutput): string[] {
  const out: string[] = [];
  if (o.status === 'identical' || o.status === 'within-tolerance') return [];
  if (o.status === 'missing') return [`${o.path}: not produced by the re-run${o.detail ? ` (${o.detail})` : ''}`];
  for (const m of o.metrics.filter((x) => !x.within)) {
    const tol = m.tolerance ? `tolerance ${fmtNum(m.tolerance)}` : 'no tolerance';
    out.push(`${o.path}:${m.key}: locked ${fmtValue(m.locked)}, re-run ${fmtValue(m.rerun)} (${tol})`);
  }
  if (o.diff && o.diff.length) {
    const first = firstChangedPair(o.diff);
    const where = o.first_line ? ` (line ${o.first_line})` : '';
    const vol = [...new Set(o.volatile.flatMap((v) => v.kinds))];
    if (first) out.push(`${o.path}: first differing line${where}: ${describeLineChange(first[0], first[1], vol)}`);
    out.push(...o.diff);
  } else if (o.byte_offset !== null) {
    const sizes = o.sizes ? ` (sizes ${o.sizes[0]} and ${o.sizes[1]} bytes)` : '';
    out.push(`${o.path}: binary output differs from byte ${o.byte_offset}${sizes}`);
  }
  if (o.files) {
    for (const k of ['changed', 'added', 'removed'] as const)
      if (o.files[k].length) out.push(`${o.path}: files ${k}: ${o.files[k].join(', ')}`);
  }
  if (o.detail) out.push(`${o.path}: ${o.detail}`);
  if (out.length === 0) out.push(`${o.path}: content differs`);
  return out;
}

/** The first removed line and the first added line of a unified diff. */
function firstChangedPair(diff: string[]): [string, string] | null {
  const minus = diff.find((l) => l.startsWith('-') && !l.startsWith('---'));
  const plus = diff.find((l) => l.startsWith('+') && !l.startsWith('+++'));
  if (minus === undefined && plus === undefined) return null;
  return [minus?.slice(1) ?? '', plus?.slice(1) ?? ''];
}

/** Patterns for the differing part of a line; the last ones look at the whole line (a label before the value). */
const VOLATILE: [RegExp, string, 'part' | 'line'][] = [
  [
    /\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?|\d{2}:\d{2}:\d{2}|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/,
    'a date or time',
    'part',
  ],
  [/^1\d{8,18}(\.\d+)?$/, 'a Unix timestamp', 'part'],
  [/\bv?\d+\.\d+(\.\d+)+\b/, 'a version', 'part'],
  [/\b(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b/, 'an id or hash', 'part'],
  [/\b(pid|host|hostname|user)\b/i, 'a host, user or process name', 'line'],
];

/**
 * `'built 10:00:01' -> 'built 10:00:07': only '01' vs '07' differs (looks like a date or time)`:
 * the differing middle of two lines and what it looks like, so a stamped date, host or version is
 * obvious at a glance.
 */
export function describeLineChange(a: string, b: string, kinds: string[] = []): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  let j = 0;
  while (j < a.length - i && j < b.length - i && a[a.length - 1 - j] === b[b.length - 1 - j]) j++;
  // widen to whole tokens so '2024-01-01T10:00:01' is shown, not '1'
  const isTok = (c: string | undefined): boolean => c !== undefined && /[\w:.\-+]/.test(c);
  while (i > 0 && isTok(a[i - 1]) && isTok(b[i - 1])) i--;
  while (j > 0 && isTok(a[a.length - j]) && isTok(b[b.length - j])) j--;
  const da = a.slice(i, a.length - j);
  const db = b.slice(i, b.length - j);
  const kind = kinds.length
    ? kinds.join(' or ')
    : VOLATILE.find(([re, , on]) => (on === 'part' ? re.test(da) || re.test(db) : re.test(a) || re.test(b)))?.[1];
  const line = `'${clip(a)}' -> '${clip(b)}'`;
  if (a === '' || b === '') return line;
  const only = da === a && db === b ? '' : `: only '${clip(da)}' vs '${clip(db)}' differs`;
  return `${line}${only}${kind ? ` (looks like ${kind}: a value that changes from run to run)` : ''}`;
}

export function guardLine(r: GuardRow): string {
  const nums = `base ${fmtStat(r.base)}, head ${fmtStat(r.head)}${r.delta !== null ? `, delta ${fmtSigned(r.delta)}` : ''}`;
  return `${r.metric}: ${r.rule}: ${r.reason} (${nums})`;
}

export function fmtStat(s: { mean: number; n: number } | null): string {
  if (!s) return '—';
  return s.n > 1 ? `${fmtNum(s.mean)} (n=${s.n})` : fmtNum(s.mean);
}

export function fmtNum(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

export function fmtSigned(x: number): string {
  return x > 0 ? `+${fmtNum(x)}` : fmtNum(x);
}

function fmtValue(v: number | null): string {
  return v === null ? '(none)' : fmtNum(v);
}

function clip(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** "passed", "passed with warnings", "FAILED" and the checks that decided. */
export function verdictLine(res: VerifyResult, warnOnly: boolean): string {
  const lines: { name: string; status: VerifyStatus }[] = checkLines(res);
  if (res.vary) lines.push({ name: 'vary', status: res.vary.status });
  const failed = lines.filter((l) => l.status === 'fail').map((l) => l.name);
  const warned = lines.filter((l) => l.status === 'warn').map((l) => l.name);
  if (failed.length) return `verify FAILED: ${failed.join(', ')}${warnOnly ? ' (--warn-only: exit code 0)' : ''}`;
  if (warned.length) return `verify passed with warnings: ${warned.join(', ')}`;
  return 'verify passed';
}
