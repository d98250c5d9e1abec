import { loadPipeline, renderDag, selectStages, type DagFormat, type Pipeline } from '../pipeline/index.js';
import { findRepoRoot } from '../core/repo.js';

export type { DagFormat };

export interface DagOptions {
  cwd: string;
  format: DagFormat;
  /** Stage names, groups or output paths: the graph shows them and their upstream (or downstream). */
  targets?: string[];
  downstream?: boolean;
}

/** `repro dag [TARGET...]`: the stage graph, or the part of it around the targets, in one of the formats. */
export async function dag(opts: DagOptions): Promise<string> {
  const root = await findRepoRoot(opts.cwd);
  const p = await loadPipeline(root);
  const targets = opts.targets ?? [];
  if (targets.length === 0) return renderDag(p, opts.format);
  const keep = new Set(selectStages(p, targets, { downstream: opts.downstream }).map((s) => s.name));
  return renderDag(restrict(p, keep), opts.format);
}

/** The pipeline seen through a subset of its stages: edges to stages left out are dropped. */
function restrict(p: Pipeline, keep: Set<string>): Pipeline {
  const only = (m: Map<string, string[]>): Map<string, string[]> =>
    new Map([...m].filter(([k]) => keep.has(k)).map(([k, v]) => [k, v.filter((n) => keep.has(n))]));
  return { ...p, stages: p.stages.filter((s) => keep.has(s.name)), upstream: only(p.upstream), downstream: only(p.downstream) };
}
