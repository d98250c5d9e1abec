import type { VaryCheck, VaryDiff, VaryStage } from '../../model/vary.js';

/**
 * The `--vary` part of the terminal summary: a check line, one line per stage with its class,
 * and for each stage that is not deterministic the first difference and a hint:
 *
 *   vary        WARN  9 variations, 3 stages: 1 deterministic, 1 seed-dependent, 1 environment-dependent
 *       stamp: environment-dependent: differs when TZ changes: out.txt line 1 `Mon Jan  1 ...`
 *           hint: the time zone reaches the output: ...
 * Pure: no durations or temp paths, so the same result renders the same text.
 */
export function renderVaryLines(v: VaryCheck): string[] {
  const out = [`${'vary'.padEnd(11)} ${v.status.toUpperCase().padEnd(5)} ${varySummary(v)}`];
  for (const s of v.skipped) out.push(`    skipped ${s.variation}: ${s.reason}`);
  for (const s of v.stages) {
    out.push(`    ${stageLine(s)}`);
    if (s.class === 'environment-dependent') {
      for (const o of s.variations) {
        if (o.status !== 'differs' && o.status !== 'failed') continue;
        out.push(
          `        ${o.variation}: ${o.status === 'failed' ? `fails (${o.what}): ${o.error}` : `differs (${o.what}): ${diffText(o.diff!)}`}`,
        );
        if (o.hint) out.push(`            hint: ${o.hint}`);
      }
    } else if (s.hint) out.push(`        hint: ${s.hint}`);
    if (s.deterministic && (s.class === 'unstable' || s.class === 'environment-dependent')) {
      out.push(`        warning: repro.yaml has it deterministic (the default); declare deterministic: false, or fix it`);
    }
  }
  return out;
}

/** "9 variations (seed, ...), 3 stages: 1 deterministic, 2 environment-dependent": the check's summary. */
export function varySummary(v: VaryCheck): string {
  const count = (c: string): number => v.stages.filter((s) => s.class === c).length;
  const parts = ['deterministic', 'seed-dependent', 'environment-dependent', 'unstable']
    .filter((c) => count(c))
    .map((c) => `${count(c)} ${c}`);
  const errors = v.stages.filter((s) => s.class === null).length;
  if (errors) parts.push(`${errors} not classified`);
  const n = v.variations.length;
  return `${n} variation${n === 1 ? '' : 's'} (${v.variations.join(', ') || 'none'}), ${v.stages.length} stage${v.stages.length === 1 ? '' : 's'}: ${parts.join(', ') || 'none'}${v.saved ? '; written into repro.lock' : ''}`;
}

const WORDS: Record<string, string> = {
  seed: 'the seed',
  time: 'the time',
  tz: 'TZ',
  locale: 'the locale',
  threads: 'the thread count',
  order: 'the file order',
  umask: 'the umask',
  path: 'the directory',
  host: 'the host name',
};

/** One stage's class in a line: "zone: environment-dependent: differs when TZ changes: zone.txt line 1 `13`". */
export function stageLine(s: VaryStage): string {
  if (s.class === null) return `${s.name}: not classified: ${s.error}`;
  if (s.class === 'unstable') return `${s.name}: unstable: differs from repro.lock with everything as recorded: ${diffText(s.reference!)}`;
  if (s.class === 'deterministic') return `${s.name}: deterministic`;
  const want = s.class === 'seed-dependent' ? 'seed' : s.differs_when.find((d) => d !== 'seed');
  const first = s.variations.find((o) => o.variation === want);
  const when = s.differs_when.map((d) => WORDS[d] ?? d).join(', ');
  const what = first?.diff ? `: ${diffText(first.diff)}` : first?.error ? `: ${first.error}` : '';
  return `${s.name}: ${s.class}: differs when ${when} change${s.differs_when.length === 1 ? 's' : ''}${what}`;
}

/** "out.txt line 3 `...`", "model.bin byte 120", "out.txt: not produced". */
export function diffText(d: VaryDiff): string {
  if (d.line !== null) return `${d.path} line ${d.line}${d.text !== null ? ` \`${clip(d.text)}\`` : ''}`;
  if (d.byte_offset !== null) return `${d.path} byte ${d.byte_offset}`;
  return `${d.path}${d.detail ? `: ${d.detail}` : ''}`;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
