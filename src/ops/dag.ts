import { loadPipeline, renderDag } from '../pipeline/index.js';
import { findRepoRoot } from '../core/repo.js';

export type DagFormat = 'ascii' | 'mermaid' | 'dot' | 'json';

/** `repro dag`: the stage graph rendered in one of the formats. */
export async function dag(opts: { cwd: string; format: DagFormat }): Promise<string> {
  const root = await findRepoRoot(opts.cwd);
  return renderDag(await loadPipeline(root), opts.format);
}
