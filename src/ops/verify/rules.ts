import { readFile } from 'node:fs/promises';
import { isErrno, isReproError } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import { parseYaml } from '../../core/yaml.js';
import type { Pipeline } from '../../pipeline/index.js';
import { closest } from '../../core/suggest.js';
import { isSummaryKey, splitMetricRef } from '../../core/metric-ref.js';
import { MetricsFileError, parseMetricData } from '../metrics/parse.js';
import type { RuleEntry, RulesCheck } from '../../model/verify.js';
import { worst } from './status.js';

/**
 * Bad input in the rules verify applies, found before anything is judged: a `checks:` rule naming a
 * metric the head's metrics files do not have, a stage `tolerance` naming a missing or non-numeric
 * value. Each is a failure naming the rule (and the stage). A metrics file that is not there yet
 * (its stage never ran: freshness reports that) skips its rules.
 */
export async function checkRules(pipeline: Pipeline): Promise<RulesCheck> {
  const files = new Map<string, FileState>();
  const load = async (path: string): Promise<FileState> => {
    let f = files.get(path);
    if (!f) files.set(path, (f = await readMetricsFile(pipeline.root, path)));
    return f;
  };
  const declared = new Set(pipeline.stages.flatMap((s) => s.outs.filter((o) => o.kind === 'metric').map((o) => o.path)));
  const rules: RuleEntry[] = [];

  for (const [metric, rule] of Object.entries(pipeline.checks).sort(([a], [b]) => a.localeCompare(b))) {
    const { path, key } = splitRef(metric);
    const base = { kind: 'check' as const, metric, stage: null, file: rule.pos.file, line: rule.pos.line };
    const f = await load(path);
    if (f.kind === 'absent') {
      rules.push(
        declared.has(path) || pipeline.outOwner.has(path)
          ? { ...base, status: 'skip', problem: `metrics file '${path}' does not exist yet` }
          : { ...base, status: 'fail', problem: `check '${metric}' names '${path}', which no stage writes and which does not exist` },
      );
      continue;
    }
    rules.push({ ...base, ...judgeKey(f, path, key, `check '${metric}'`, false) });
  }

  for (const stage of pipeline.stages) {
    for (const [metric] of Object.entries(stage.tolerance).sort(([a], [b]) => a.localeCompare(b))) {
      const { path, key } = splitRef(metric);
      const base = { kind: 'tolerance' as const, metric, stage: stage.name, file: stage.pos.file, line: stage.pos.line };
      const f = await load(path);
      if (f.kind === 'absent') {
        rules.push({ ...base, status: 'skip', problem: `metrics file '${path}' does not exist yet` });
        continue;
      }
      rules.push({ ...base, ...judgeKey(f, path, key, `tolerance '${metric}' of stage '${stage.name}'`, true) });
    }
  }
  return { status: worst(rules.map((r) => (r.status === 'fail' ? 'fail' : 'pass'))), rules };
}

/**
 * `flat`: the file's metrics as guardrails see them (parseMetricData's scalars, as diff reads them:
 * numeric leaves and sample-list summaries, never list elements), so a rule passes here exactly
 * when verify's guardrail finds its metric. `lists`: the keys of sample lists.
 */
type FileState =
  { kind: 'absent' } | { kind: 'unreadable'; why: string } | { kind: 'ok'; data: unknown; flat: Record<string, number>; lists: string[] };

async function readMetricsFile(root: string, path: string): Promise<FileState> {
  let text: string;
  try {
    text = await readFile(absPath(root, path), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return { kind: 'absent' };
    if (isErrno(e, 'EISDIR')) return { kind: 'unreadable', why: 'is a directory' };
    throw e;
  }
  try {
    const data = parseYaml(text, path);
    const parsed = parseMetricData(text, path);
    return { kind: 'ok', data, flat: parsed.scalars, lists: Object.keys(parsed.samples) };
  } catch (e) {
    if (e instanceof MetricsFileError) return { kind: 'unreadable', why: e.problem };
    if (isReproError(e)) return { kind: 'unreadable', why: 'is not JSON or YAML' };
    throw e;
  }
}

/**
 * A metric passes (for a tolerance, also a section holding metrics: it applies to each); a sample
 * list names its summaries; anything else names what it found, with a did-you-mean among the
 * file's metrics (a summary key is matched against summaries only, never a list element).
 */
function judgeKey(f: FileState, path: string, key: string, what: string, sections: boolean): Pick<RuleEntry, 'status' | 'problem'> {
  if (f.kind === 'unreadable') return { status: 'fail', problem: `${what}: metrics file '${path}' ${f.why}` };
  if (f.kind !== 'ok') return { status: 'skip', problem: null };
  if (key in f.flat || (sections && Object.keys(f.flat).some((k) => k.startsWith(`${key}.`)))) return { status: 'pass', problem: null };
  if (f.lists.includes(key)) {
    return {
      status: 'fail',
      problem: `${what} names a list of samples in '${path}', not one number: '${key}' (name a summary: '${key}:p95', ':p50', ':p99', ':mean', ':max' or ':n')`,
    };
  }
  const raw = lookup(f.data, key);
  if (raw.found) {
    return { status: 'fail', problem: `${what} names a non-numeric value in '${path}': ${JSON.stringify(raw.value)}` };
  }
  const names = Object.keys(f.flat);
  const near = closest(key, isSummaryKey(key) ? names.filter(isSummaryKey) : names);
  return {
    status: 'fail',
    problem: `${what} names a metric that does not exist in '${path}': '${key}'${near ? ` (did you mean '${near}'?)` : ''}`,
  };
}

/** The value at a dotted key, descending maps and lists. */
function lookup(data: unknown, key: string): { found: boolean; value?: unknown } {
  let cur: unknown = data;
  for (const part of key.split('.')) {
    if (cur !== null && typeof cur === 'object' && part in (cur as Record<string, unknown>)) cur = (cur as Record<string, unknown>)[part];
    else return { found: false };
  }
  return { found: true, value: cur };
}

export function splitRef(ref: string): { path: string; key: string } {
  const { path, key } = splitMetricRef(ref);
  return { path, key };
}
