import { isReproError } from '../../core/errors.js';
import type { KeyComponents } from '../../lock/index.js';
import type { DiffResult, DiffSideInfo, MetricRow, OutputRow } from '../../model/diff.js';
import { openContext, type RepoContext } from '../context.js';
import { metricFiles, metricsSection, metricUnchanged, problemsByKey } from './metrics.js';
import { parseTargets } from './targets.js';
import {
  distributionsSection,
  distributionUnchanged,
  environmentSection,
  lockFilesSection,
  outputsSection,
  paramsSection,
  stagesSection,
} from './sections.js';
import { makeEvaluator } from '../run/evaluate.js';
import { loadSide, type Side } from './sides.js';

export interface DiffOptions {
  cwd: string;
  /** base revision or run id; default HEAD */
  a?: string;
  /** head revision or run id; default the workspace */
  b?: string;
  /** keep unchanged rows */
  all?: boolean;
  /** only these paths (files or directories; params files, metrics, plots, outputs, lock files) and metric names (targets.ts) */
  targets?: string[];
  /** 1 − confidence level; default 0.05 */
  alpha?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * `repro diff [A [B]]`: params, metrics (with uncertainty over seeds), outputs, environment,
 * dependency lock files, stage keys and distributions of A (default HEAD) against B (default
 * the workspace). Returns data; report/diff/ renders it. Shape: model/diff.ts.
 */
export async function diff(opts: DiffOptions): Promise<DiffResult> {
  const ctx = await openContext(opts.cwd, { readOnly: true });
  const a = await loadSide(ctx, opts.a ?? 'HEAD');
  const b = await loadSide(ctx, opts.b ?? null);
  const known = new Set(
    [a, b].flatMap((s) => [
      ...Object.keys(s.metrics),
      ...Object.keys(s.samples),
      ...s.problems.map((p) => p.key).filter((k) => k.includes(':')),
    ]),
  );
  const t = parseTargets(opts.targets ?? [], known, new Set([...metricFiles(a), ...metricFiles(b)]));
  const targets = t.all ? [] : t.names;
  const inTargets = t.path;
  const keep = <T>(rows: T[], unchanged: (r: T) => boolean): T[] => (opts.all ? rows : rows.filter((r) => !unchanged(r)));
  const notes: string[] = [];

  const metrics = metricsSection(a, b, t.metric, opts.alpha);
  const counts = { a: valueCounts(metrics.rows, 'a'), b: valueCounts(metrics.rows, 'b') };
  metrics.rows = keep(metrics.rows, metricUnchanged);

  let stages: DiffResult['stages'] = null;
  if (a.lock && b.lock) {
    const comps = (await currentComponents(ctx, b, notes, opts.env)) ?? b.lock.stages;
    const outsOf = (name: string): string[] => [...Object.keys(a.lock?.stages[name]?.outs ?? {}), ...Object.keys(comps[name]?.outs ?? {})];
    const include = (name: string): boolean => targets.length === 0 || targets.includes(name) || outsOf(name).some(inTargets);
    stages = keep(stagesSection(a.lock, comps, include), (r) => r.change === 'unchanged');
  }

  const metricProblems = problemsByKey(a, b, () => true);
  for (const s of [a, b]) {
    for (const p of s.problems) if (!metricProblems.has(p.key)) notes.push(`${s.label}: ${p.message}`);
    for (const d of s.drifted.filter((x) => inTargets(x.path))) notes.push(`${s.label}: ${driftNote(d)}`);
  }
  if (!a.env || !b.env) notes.push(`environment not compared: ${!a.env ? a.label : b.label} has no run record`);

  return {
    a: info(a, counts.a),
    b: info(b, counts.b),
    params: keep(paramsSection(a, b, inTargets), (r) => r.change === 'unchanged'),
    metrics,
    outputs: keep(plotDirFiles(outputsSection(a.lock, b.lock, inTargets), a, b, opts.all === true), (r) => r.change === 'unchanged'),
    environment: environmentSection(a, b),
    lock_files: keep(lockFilesSection(a, b, inTargets), (r) => r.change === 'unchanged'),
    stages,
    distributions: keep(distributionsSection(a, b, t.metric), (r) => distributionUnchanged(r, a, b)),
    notes,
  };
}

/**
 * Plots directories compared file by file by content: each row of one (in either side's lock or
 * tree) gets `files`, the files added, removed or modified (all of them with `all`). A directory
 * that only one side has as a directory is compared against no files.
 */
function plotDirFiles(rows: OutputRow[], a: Side, b: Side, all: boolean): OutputRow[] {
  return rows.map((r) => {
    const fa = a.plotDirs[r.path];
    const fb = b.plotDirs[r.path];
    if (!fa && !fb) return r;
    const files = [...new Set([...Object.keys(fa ?? {}), ...Object.keys(fb ?? {})])].sort().map((path) => {
      const ha = fa?.[path];
      const hb = fb?.[path];
      const change = ha === undefined ? 'added' : hb === undefined ? 'removed' : ha === hb ? 'unchanged' : 'modified';
      return { path, change } as const;
    });
    return { ...r, files: all ? files : files.filter((f) => f.change !== 'unchanged') };
  });
}

/** Why a side's metrics file was read from the file rather than from its runs. */
export function driftNote(d: Side['drifted'][number]): string {
  return d.missing
    ? `metrics file '${d.path}' is missing (the last recorded run wrote it): its metrics are shown as removed`
    : `metrics file '${d.path}' differs from the last recorded run (repro.lock): its values are read from the file, as one run`;
}

function info(s: Side, n: DiffSideInfo['n']): DiffSideInfo {
  return { label: s.label, kind: s.kind, commit: s.commit, runs: s.runs, sources: s.sources, n };
}

/** The fewest and most values a side has in the metric rows (before unchanged rows are hidden). */
function valueCounts(rows: MetricRow[], side: 'a' | 'b'): DiffSideInfo['n'] {
  const ns = rows.flatMap((r) => (r[side] ? [r[side].n] : []));
  return ns.length ? [Math.min(...ns), Math.max(...ns)] : null;
}

/**
 * The workspace's stage key components as `repro status` computes them, so a param edit not yet
 * run shows under stage keys; null for other sides, or (with a note) when they cannot be computed.
 */
async function currentComponents(
  ctx: RepoContext,
  side: Side,
  notes: string[],
  env?: NodeJS.ProcessEnv,
): Promise<Record<string, KeyComponents> | null> {
  if (side.kind !== 'workspace' || !side.pipeline) return null;
  try {
    const ev = await makeEvaluator(ctx, side.pipeline, env ?? process.env);
    const out: Record<string, KeyComponents> = {};
    for (const stage of side.pipeline.stages) out[stage.name] = await ev.components(stage);
    return out;
  } catch (e) {
    if (!isReproError(e)) throw e;
    notes.push(`stage keys of the workspace could not be computed (${e.message}); compared as repro.lock records them`);
    return null;
  }
}
