import { ReproError, isReproError } from '../core/errors.js';
import { toRepoPath } from '../core/paths.js';
import { closest } from '../core/suggest.js';
import type { Pipeline, Stage } from './types.js';

/**
 * Which stages a command acts on. A target is a stage name (`train@small`), a group name
 * (`train` = every `train@*`), or an output path (its producing stage). By default the result is
 * the targets and everything upstream of them; with `downstream`, the targets and everything
 * downstream; with `closure: false`, the targets alone. No targets means every stage. Always in
 * the pipeline's topological order. An unknown target is `E_NOT_FOUND` with a suggestion.
 */
export function selectStages(p: Pipeline, targets: string[], opts: { downstream?: boolean; closure?: boolean } = {}): Stage[] {
  if (targets.length === 0) return p.stages.slice();
  const picked = new Set<string>();
  for (const t of targets) for (const name of resolveTarget(p, t)) picked.add(name);
  if (opts.closure === false) return p.stages.filter((s) => picked.has(s.name));
  const edges = opts.downstream ? p.downstream : p.upstream;
  const stack = [...picked];
  while (stack.length) {
    for (const next of edges.get(stack.pop()!) ?? []) {
      if (!picked.has(next)) {
        picked.add(next);
        stack.push(next);
      }
    }
  }
  return p.stages.filter((s) => picked.has(s.name));
}

function resolveTarget(p: Pipeline, target: string): string[] {
  if (p.byName.has(target)) return [target];
  const group = p.stages.filter((s) => s.group === target).map((s) => s.name);
  if (group.length) return group;
  let asPath: string | undefined;
  try {
    asPath = toRepoPath(target);
  } catch (e) {
    if (!isReproError(e)) throw e; // not a usable path: fall through to "unknown stage"
  }
  const owner = asPath !== undefined ? p.outOwner.get(asPath) : undefined;
  if (owner) return [owner];
  const names = [...new Set(p.stages.flatMap((s) => (s.group === s.name ? [s.name] : [s.group, s.name])))];
  const near = closest(target, names);
  throw new ReproError('E_NOT_FOUND', `unknown stage '${target}'`, {
    hint: near ? `did you mean '${near}'?` : names.length ? 'run `repro dag` to list the stages' : `${p.file} declares no stages`,
  });
}
