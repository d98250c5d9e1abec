import { isReproError, ReproError } from '../../core/errors.js';
import { toRepoPath } from '../../core/paths.js';
import type { PlotOptions } from '../../pipeline/index.js';
import { findRepo, isValidRunId, listRuns, resolveRevision, type RepoInfo } from '../../record/index.js';
import { openContext } from '../context.js';
import { parsePlotTable } from './rows.js';
import type { PlotData, PlotRevision, PlotsResult } from '../../report/html/plot-types.js';
import {
  outPaths,
  plotFiles,
  sideLock,
  sidePipeline,
  treeSource,
  workspaceSource,
  type FileSource,
  type SideProblem,
} from '../diff/side-files.js';

export type { PlotData, PlotRevision, PlotsResult, PlotTable } from '../../report/html/plot-types.js';

export interface PlotsOptions {
  cwd: string;
  /** the revisions to draw, oldest first; null is the workspace. `plots show`: [null] */
  revs: (string | null)[];
  /** only these plots files, or the plots under these directories; a file no stage declares is drawn too */
  targets?: string[];
}

/**
 * `repro plots show|diff`: the `plots:` files of each revision as tables, with their drawing
 * options. Revisions are read from Git objects (a run id reads its run commit's snapshot), the
 * workspace from disk. Returns data; report/html/ draws it. An unknown revision is `E_NOT_FOUND`.
 */
export async function plots(opts: PlotsOptions): Promise<PlotsResult> {
  const ctx = await openContext(opts.cwd);
  const sides = await openRevisions(ctx.root, opts.revs);
  const notes: string[] = [];
  const declared = new Map<string, { stage: string | null; options: PlotOptions }>();
  for (const side of [...sides].reverse()) {
    const problems: SideProblem[] = [];
    const pipeline = await sidePipeline(side.src, ctx.root, side.commit === null, problems);
    const lock = pipeline ? null : await sideLock(side.src, problems);
    for (const p of problems) notes.push(`${side.label}: ${p.message}`);
    if (pipeline) {
      for (const s of pipeline.stages)
        for (const o of s.outs)
          if (o.kind === 'plot' && !declared.has(o.path)) declared.set(o.path, { stage: s.name, options: o.plot ?? {} });
    } else for (const p of outPaths(null, lock, 'plot')) if (!declared.has(p)) declared.set(p, { stage: null, options: {} });
  }
  const targets = (opts.targets ?? []).map((t) => toRepoPath(t.replace(/\/+$/, '')));
  const paths = [...declared.keys()].filter((p) => targets.length === 0 || targets.some((t) => p === t || p.startsWith(`${t}/`)));
  for (const t of targets) if (!paths.some((p) => p === t || p.startsWith(`${t}/`))) paths.push(t);

  // A plots directory (`plots: [plots/rf/]`) stands for each data file in it on any side, drawn
  // and compared file by file with the directory's options.
  const files: string[] = [];
  for (const p of paths) {
    const each = new Set<string>();
    for (const side of sides) for (const f of await plotFiles(side.src, [p])) each.add(f);
    const inDir = [...each].filter((f) => f !== p).sort();
    if (inDir.length === 0) files.push(p);
    else for (const f of inDir) if (!files.includes(f)) files.push(f);
    const d = declared.get(p);
    if (d) for (const f of inDir) if (!declared.has(f)) declared.set(f, d);
  }

  const out: PlotData[] = [];
  for (const path of files) {
    const tables: PlotData['tables'] = [];
    for (const side of sides) {
      const text = await side.src.read(path);
      if (text === null) {
        tables.push({ rev: side.label, table: null, error: null });
        continue;
      }
      try {
        tables.push({ rev: side.label, table: parsePlotTable(text, path), error: null });
      } catch (e) {
        if (!isReproError(e)) throw e;
        tables.push({ rev: side.label, table: null, error: e.message });
        notes.push(`${side.label}: ${e.message}`);
      }
    }
    if (tables.every((t) => t.table === null && t.error === null)) {
      notes.push(`${path}: not found in ${sides.map((s) => s.label).join(', ')}`);
      continue;
    }
    const d = declared.get(path);
    out.push({ path, stage: d?.stage ?? null, options: d?.options ?? {}, tables });
  }
  return { revisions: sides.map((s) => ({ label: s.label, commit: s.commit })), plots: out, notes };
}

interface OpenSide extends PlotRevision {
  src: FileSource;
}

/** Each revision's files: the workspace (null), a run id (its run commit) or a Git revision. */
export async function openRevisions(root: string, revs: (string | null)[]): Promise<OpenSide[]> {
  const repo = await findRepo(root);
  const out: OpenSide[] = [];
  for (const rev of revs) {
    if (rev === null) out.push({ label: 'workspace', commit: null, src: workspaceSource(root) });
    else {
      const commit = await resolveSide(repo, rev);
      out.push({ label: rev, commit, src: treeSource(repo, commit) });
    }
  }
  return out;
}

async function resolveSide(repo: RepoInfo, rev: string): Promise<string> {
  if (isValidRunId(rev)) {
    const run = (await listRuns(repo)).find((r) => r.id === rev);
    if (run) return run.commit;
  }
  try {
    return await resolveRevision(repo, rev);
  } catch (e) {
    if (!isReproError(e, 'E_NOT_FOUND')) throw e;
    throw new ReproError('E_NOT_FOUND', `unknown revision or run id: '${rev}'`, {
      hint: 'give a branch, tag or commit (git log), or a run id (repro log)',
    });
  }
}
