/**
 * `repro show RUN` as text: the record's header, each stage (status, key, duration, seed,
 * outputs), metrics, lock files, an environment summary, and how this machine differs from the
 * recorded one. Pure; the shapes are model/'s.
 */
import type { LockOut } from '../../model/key.js';
import type { RunRecord, ShowResult } from '../../model/records.js';
import { fmtNumber, stripControl } from './log.js';
import { short } from '../run/reasons.js';
import { fmtMs } from '../run/run.js';
import { count } from '../../core/plural.js';

export function renderShow(res: ShowResult): string {
  const r = res.record;
  const L: string[] = [];
  const src = r.source;
  const where = [src.branch ?? 'detached HEAD', src.dirty ? 'uncommitted changes' : null].filter(Boolean).join(', ');
  L.push(`run       ${res.id}`);
  L.push(`commit    ${res.commit}`);
  L.push(`source    ${src.commit ?? '(no commit yet)'} (${where})`);
  L.push(`status    ${r.status}`);
  L.push(`started   ${r.started_at} (took ${fmtMs(Date.parse(r.ended_at) - Date.parse(r.started_at))})`);
  L.push(`command   repro ${r.argv.map(shellQuote).join(' ')}`.trimEnd());
  if (r.message) L.push(`message   ${r.message.split('\n').join('\n          ')}`);
  if (r.seed !== null) L.push(`seed      ${r.seed} (--seed, every stage)`);
  if (r.sweep) L.push(`sweep     ${r.sweep.id}: seed ${r.sweep.index + 1} of ${r.sweep.seeds.join(', ')}`);

  L.push('', 'stages');
  for (const [name, s] of Object.entries(r.stages)) {
    const parts = [
      s.key ? `key ${s.key.slice(0, 8)}` : null,
      s.duration_ms !== null ? fmtMs(s.duration_ms) : null,
      s.seed !== null ? `seed ${s.seed}` : null,
    ];
    if (s.exit_code !== null && s.exit_code !== 0) parts.push(`exit ${s.exit_code}`);
    if (s.observed) parts.push(`observed ${s.observed.class}`);
    L.push(`  ${name.padEnd(16)} ${s.status.padEnd(10)} ${parts.filter(Boolean).join('  ')}`.trimEnd());
    for (const [p, o] of Object.entries(s.outs)) L.push(`      ${p}  ${short(o.hash)}  ${describeSize(o)}`);
    if (s.error) L.push(`      error: ${s.error.split('\n').join('\n             ')}`);
    for (const l of s.stderr_tail) L.push(...l.split('\n').map((x) => `      | ${x}`));
    for (const [k, v] of Object.entries(s.components?.env ?? {})) L.push(`      env ${k}=${v}`);
  }

  const metricRows = Object.entries(r.metrics).flatMap(([file, m]) =>
    Object.entries(m).map(([k, v]) => `  ${file}  ${k}  ${fmtNumber(v)}`),
  );
  if (metricRows.length) L.push('', 'metrics', ...metricRows);
  const locks = Object.entries(r.locks);
  if (locks.length) L.push('', 'lock files', ...locks.map(([p, h]) => `  ${p}  ${h ? short(h) : '(missing)'}`));

  L.push('', 'environment', ...envSummary(r.env));
  if (res.env_diff.length === 0) L.push('', 'this machine: same environment as recorded');
  else {
    L.push('', 'differences from this machine (recorded -> now)');
    for (const d of res.env_diff) L.push(`  ${d.field}: ${oneLine(d.a)} -> ${oneLine(d.b)}`);
  }
  // Every line holds record-sourced text: strip the whole page once.
  return stripControl(L.join('\n')) + '\n';
}

function envSummary(env: RunRecord['env']): string[] {
  const out: string[] = [];
  if (env.os) out.push(`  os        ${[env.os.platform, env.os.release, env.os.arch].filter(Boolean).join(' ')}`);
  if (env.cpu) out.push(`  cpu       ${env.cpu.model ?? '?'} x ${env.cpu.count ?? '?'}`);
  if (env.memory_bytes !== undefined) out.push(`  memory    ${(env.memory_bytes / 2 ** 30).toFixed(1)} GiB`);
  out.push(`  node      ${env.node ?? '?'}   repro ${env.repro ?? '?'}`);
  for (const [name, v] of Object.entries(env.runtimes ?? {})) out.push(`  ${name.padEnd(9)} ${v}`);
  for (const [name, t] of Object.entries(env.tools ?? {})) out.push(...toolLines(name, t));
  for (const g of env.gpu ?? []) out.push(`  gpu       ${g.name}, driver ${g.driver}${g.memory ? `, ${g.memory}` : ''}`);
  out.push(`  locale    ${env.locale ?? '?'}   timezone ${env.timezone ?? '?'}`);
  return out;
}

/** Shown of a multi-line tool output (`pip freeze`); the rest is in `--json`. */
const TOOL_LINES = 40;

/**
 * An `env.tools` entry: what the command printed (its versions), on the line when it is one line,
 * else one indented line each (at most TOOL_LINES, then a count); the hash only when it printed nothing.
 */
function toolLines(name: string, t: { cmd: string; output: string; hash: string }): string[] {
  const lines = t.output.replace(/\s+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return [`  tool      ${name}: (no output, ${short(t.hash)})`];
  if (lines.length === 1) return [`  tool      ${name}: ${lines[0]}`];
  const shown = lines.slice(0, TOOL_LINES).map((l) => `            ${l}`);
  const more = lines.length - shown.length;
  return [`  tool      ${name}:`, ...shown, ...(more > 0 ? [`            (${count(more, 'more line')}; --json has them all)`] : [])];
}

function describeSize(o: LockOut): string {
  const size =
    o.size < 1024 ? `${o.size} B` : o.size < 2 ** 20 ? `${(o.size / 1024).toFixed(1)} KiB` : `${(o.size / 2 ** 20).toFixed(1)} MiB`;
  return o.nfiles !== undefined ? `${count(o.nfiles, 'file')}, ${size}` : size;
}

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function oneLine(s: string): string {
  const l = s.split('\n');
  return l.length > 1 ? `${l[0]} (+${count(l.length - 1, 'line')})` : s;
}
