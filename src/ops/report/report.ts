import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isReproError } from '../../core/errors.js';
import { findRepo, firstParentHistory, isDirty, resolveRevision, type RepoInfo } from '../../record/index.js';
import type { ReportData } from '../../report/html/report-types.js';
import type { VerifyResult } from '../../model/verify.js';
import { openContext } from '../context.js';
import { diff } from '../diff/diff.js';
import { plots } from '../plots/plots.js';
import { historyPoints } from './history.js';
import { pipelineView } from './pipeline.js';
import { loadRuns } from '../diff/run-records.js';
import { loadSide } from '../diff/sides.js';

export interface ReportOptions {
  cwd: string;
  /** the revision reported on; default the workspace */
  head?: string;
  /** compared with; default the merge base with the default branch (origin/HEAD, main, master) */
  base?: string;
  /** a saved `repro verify --json` to show; default: verify the checkout now (head = workspace only) */
  verifyFile?: string;
  /** commits of history shown (default 20) */
  historyLimit?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * `repro report`: everything the HTML report shows, gathered by the ops that own each part:
 * `verify` (no re-runs) for the verdict, `diff` for the comparison, `plots` for the plots of both
 * sides, `status` for the pipeline's states, the sides of history as `diff` reads them. Read-only.
 * A part that cannot be computed becomes a note; an unknown revision is `E_NOT_FOUND`.
 */
export async function report(opts: ReportOptions): Promise<ReportData> {
  const ctx = await openContext(opts.cwd);
  const repo = await findRepo(ctx.root);
  const notes: string[] = [];
  const headSide = await loadSide(ctx, opts.head ?? null);
  const headCommit = headSide.commit ?? repo.head;
  const base =
    opts.base !== undefined
      ? { label: opts.base, commit: await resolveRevision(repo, opts.base) }
      : await defaultBase(repo, headCommit, headSide.kind === 'workspace', notes);

  let verify: VerifyResult | null = null;
  if (opts.verifyFile) verify = JSON.parse(await readFile(resolve(opts.cwd, opts.verifyFile), 'utf8')) as VerifyResult;
  else if (headSide.kind === 'workspace') {
    const { verify: run } = await import('../verify/verify.js');
    try {
      verify = await run({ cwd: opts.cwd, base: base?.commit, env: opts.env });
    } catch (e) {
      if (!isReproError(e)) throw e;
      notes.push(`repro verify could not run: ${e.message}`);
    }
  } else
    notes.push(`no verify result: the checks run on the checkout; pass --verify FILE (a saved repro verify --json) for ${headSide.label}`);

  const history = headCommit ? await firstParentHistory(repo, headCommit, opts.historyLimit ?? 20) : [];
  const workspacePoint = headSide.kind === 'workspace' && (headCommit === null || (await isDirty(repo))) ? headSide : null;
  const points = await historyPoints(ctx, [...history].reverse(), workspacePoint);

  const d = base ? await diff({ cwd: opts.cwd, a: base.commit, b: opts.head, all: true, env: opts.env }) : null;
  if (d) d.a.label = base!.label;
  const samples: ReportData['samples'] = {};
  if (d && base) {
    const baseSide = await loadSide(ctx, base.commit, { probeEnv: false });
    for (const row of d.distributions) samples[row.key] = { base: baseSide.samples[row.key] ?? [], head: headSide.samples[row.key] ?? [] };
  }

  const plotRes = await plots({ cwd: opts.cwd, revs: base ? [base.commit, opts.head ?? null] : [opts.head ?? null] });
  if (base) for (const p of plotRes.plots) for (const t of p.tables) if (t.rev === base.commit) t.rev = base.label;
  if (base) plotRes.revisions[0]!.label = base.label;

  let pipeline: ReportData['pipeline'] = null;
  if (headSide.pipeline) {
    try {
      const runs = await loadRuns(repo);
      pipeline = await pipelineView(
        opts.cwd,
        headSide.pipeline,
        new Set(Object.keys(headSide.lock?.stages ?? {})),
        runs,
        headSide.kind === 'workspace',
        opts.env,
      );
    } catch (e) {
      if (!isReproError(e)) throw e;
      notes.push(`pipeline states could not be computed: ${e.message}`);
    }
  }
  const environment = headSide.env ? { head: flatten(headSide.env), base_label: base?.label ?? null } : null;
  return {
    head: { label: headSide.label, commit: headSide.commit },
    base,
    verify,
    history: points,
    diff: d,
    samples,
    plots: plotRes,
    pipeline,
    environment,
    notes: [...notes, ...(d?.notes ?? [])],
  };
}

const DEFAULT_BRANCHES = ['origin/HEAD', 'main', 'master', 'origin/main', 'origin/master'];

/**
 * The merge base of head with the default branch along first parents; for a head that is on the
 * default branch, the commit before it (the workspace: HEAD itself). Null (with a note) when
 * there is no default branch or no commit to compare with.
 */
async function defaultBase(repo: RepoInfo, head: string | null, workspace: boolean, notes: string[]): Promise<ReportData['base']> {
  if (!head) return null;
  for (const name of DEFAULT_BRANCHES) {
    let tip: string;
    try {
      tip = await resolveRevision(repo, name);
    } catch (e) {
      if (isReproError(e, 'E_NOT_FOUND')) continue;
      throw e;
    }
    const onDefault = new Set(await firstParentHistory(repo, tip, 100_000));
    const mine = await firstParentHistory(repo, head, 100_000);
    const at = mine.findIndex((c) => onDefault.has(c));
    if (at < 0) break;
    if (at > 0 || workspace) return { label: at === 0 ? name.replace(/^origin\//, '') : `merge base with ${name}`, commit: mine[at]! };
    if (mine[1]) return { label: `${name}~1`, commit: mine[1] };
    break;
  }
  notes.push('no base to compare with: give --base REV');
  return null;
}

function flatten(v: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = String(v);
  return out;
}
