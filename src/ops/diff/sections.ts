import {
  diffPackageVersions,
  diffParams,
  histogram,
  jsDivergence,
  lockFormat,
  parsePackageVersions,
  percentiles,
  psi,
  psiBand,
  psiFromBins,
} from '../../compare/index.js';
import { isReproError } from '../../core/errors.js';
import { diffFingerprints } from '../../env/index.js';
import type { KeyComponents, LockFile } from '../../lock/index.js';
import type { DistributionRow, EnvRow, LockFileRow, OutputRow, ParamRow, StageRow } from '../../model/diff.js';
import { explainKeyChange } from '../run/reasons.js';
import type { Side } from './sides.js';

/** The sections of `repro diff` other than metrics; each returns every row, unchanged ones too. */

export function paramsSection(a: Side, b: Side, inTargets: (path: string) => boolean): ParamRow[] {
  return diffParams(a.params, b.params)
    .filter((d) => inTargets(d.key.slice(0, d.key.indexOf(':'))))
    .map((d) => ({ key: d.key, change: d.change, ...('a' in d ? { a: d.a } : {}), ...('b' in d ? { b: d.b } : {}) }));
}

export function outputsSection(a: LockFile | null, b: LockFile | null, inTargets: (path: string) => boolean): OutputRow[] {
  const outs = (l: LockFile | null) => {
    const m = new Map<string, { stage: string; out: NonNullable<OutputRow['a']> }>();
    for (const [stage, e] of Object.entries(l?.stages ?? {}))
      for (const [p, out] of Object.entries(e.out_hashes ?? {})) m.set(p, { stage, out });
    return m;
  };
  const oa = outs(a);
  const ob = outs(b);
  return [...new Set([...oa.keys(), ...ob.keys()])]
    .filter(inTargets)
    .sort()
    .map((path): OutputRow => {
      const x = oa.get(path);
      const y = ob.get(path);
      const change = !x ? 'added' : !y ? 'removed' : x.out.hash === y.out.hash ? 'unchanged' : 'modified';
      return {
        path,
        stage: (y ?? x)!.stage,
        change,
        a: x?.out ?? null,
        b: y?.out ?? null,
        size_delta: x && y ? y.out.size - x.out.size : null,
      };
    });
}

export function environmentSection(a: Side, b: Side): EnvRow[] | null {
  return a.env && b.env ? diffFingerprints(a.env, b.env) : null;
}

export function lockFilesSection(a: Side, b: Side, inTargets: (path: string) => boolean): LockFileRow[] {
  const paths = [...new Set([...Object.keys(a.dependencyLocks), ...Object.keys(b.dependencyLocks)])].filter(inTargets).sort();
  return paths.map((path): LockFileRow => {
    const ta = a.dependencyLocks[path];
    const tb = b.dependencyLocks[path];
    const change = ta === undefined ? 'added' : tb === undefined ? 'removed' : ta === tb ? 'unchanged' : 'modified';
    const pa = ta === undefined ? new Map<string, string>() : parsePackageVersions(path, ta);
    const pb = tb === undefined ? new Map<string, string>() : parsePackageVersions(path, tb);
    const packages = change !== 'unchanged' && pa && pb ? diffPackageVersions(pa, pb) : [];
    return { path, change, format: lockFormat(path), packages };
  });
}

/**
 * Stage keys: side a's lock against side b's key components (for the workspace, computed from
 * the files now, so an edit not yet run shows), component by component.
 */
export function stagesSection(a: LockFile, b: Record<string, KeyComponents>, include: (stage: string) => boolean): StageRow[] {
  const names = [...new Set([...Object.keys(a.stages), ...Object.keys(b)])].filter(include).sort();
  return names.map((name): StageRow => {
    const old = a.stages[name];
    const cur = b[name];
    if (!cur) return { name, change: 'removed', reasons: [] };
    if (!old) return { name, change: 'added', reasons: [] };
    const reasons = explainKeyChange(old, cur);
    return { name, change: reasons.length ? 'changed' : 'unchanged', reasons };
  });
}

/** Columns that index a series rather than sample a distribution: not compared. */
const INDEX_COLUMN = /(^|[:.])(step|steps|epoch|epochs|iter|iteration|index|idx|bin|bins|edge|edges|x|le|lower|upper)$/i;
/** Columns holding histogram counts: compared bin by bin. */
const COUNT_COLUMN = /(^|[:.])(count|counts|freq|frequency|hist|histogram|n)$/i;

/**
 * PSI and Jensen–Shannon divergence for every distribution both sides have. Sample columns are
 * binned at side a's deciles (PSI) and both measures use the same bins; count columns are taken
 * as histograms over the same bins. Sample lists also get p50/p95/p99.
 */
export function distributionsSection(a: Side, b: Side, select: (key: string, path: string) => boolean): DistributionRow[] {
  const keys = [...new Set([...Object.keys(a.samples), ...Object.keys(b.samples)])]
    .filter((k) => !INDEX_COLUMN.test(k) && select(k, k.includes(':') ? k.slice(0, k.indexOf(':')) : k))
    .sort();
  return keys.map((key): DistributionRow => {
    const xa = a.samples[key];
    const xb = b.samples[key];
    const histo = COUNT_COLUMN.test(key);
    const row: DistributionRow = {
      key,
      kind: histo ? 'histogram' : 'samples',
      n_a: xa?.length ?? 0,
      n_b: xb?.length ?? 0,
      psi: null,
      js: null,
      band: null,
      percentiles: null,
      error: null,
    };
    if (!xa || !xb) {
      row.error = `only in ${xa ? a.label : b.label}`;
      return row;
    }
    if (histo && xa.length !== xb.length) {
      row.error = `different numbers of bins (${xa.length} and ${xb.length})`;
      return row;
    }
    try {
      if (histo) {
        row.psi = psiFromBins(xa, xb);
        row.js = jsDivergence(xa, xb);
      } else {
        row.psi = psi(xa, xb);
        const edges = [...new Set(percentiles(xa, [10, 20, 30, 40, 50, 60, 70, 80, 90]))];
        row.js = jsDivergence(histogram(xa, edges), histogram(xb, edges));
        const [pa, pb] = [percentiles(xa), percentiles(xb)];
        row.percentiles = { p50: [pa[0]!, pb[0]!], p95: [pa[1]!, pb[1]!], p99: [pa[2]!, pb[2]!] };
      }
      row.band = psiBand(row.psi);
    } catch (e) {
      if (!isReproError(e)) throw e;
      row.error = e.message;
    }
    return row;
  });
}

export function distributionUnchanged(r: DistributionRow, a: Side, b: Side): boolean {
  const xa = a.samples[r.key];
  const xb = b.samples[r.key];
  return !!xa && !!xb && xa.length === xb.length && xa.every((v, i) => Object.is(v, xb[i]));
}
