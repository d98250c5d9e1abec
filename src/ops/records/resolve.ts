import { isReproError, ReproError } from '../../core/errors.js';
import { listRuns, resolveRevision, RUNS_PREFIX, type RepoInfo, type RunRef } from '../../record/index.js';

/**
 * The one reading of a RUN argument (`show`, `replay`, `diff`), tried in this order:
 * 1. a run id, or `refs/repro/runs/<id>`;
 * 2. `latest`: the newest recorded run;
 * 3. a unique prefix, or suffix of 3 or more characters, of a run id (`k3f9qa`, the short id
 *    `exp show` prints);
 * 4. a unique prefix (≥ 4 hex digits) of a run commit;
 * 5. with `revisions` (the default): a revision, `HEAD` included, standing for the newest run
 *    started from the commit it names.
 * None: `E_NOT_FOUND`; several runs for one name: `E_NOT_FOUND` listing them (give more characters).
 */
export async function resolveRunName(repo: RepoInfo, arg: string, opts: { runs?: RunRef[]; revisions?: boolean } = {}): Promise<RunRef> {
  const all = opts.runs ?? (await listRuns(repo));
  const found = matchRunName(all, arg);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw ambiguous(arg, found);
  if (opts.revisions !== false) {
    const commit = await revisionOrNull(repo, arg);
    if (commit !== null) {
      const newest = all.find((r) => r.parent === commit); // `all` is newest first
      if (newest) return newest;
      throw new ReproError('E_NOT_FOUND', `no run was started from commit ${commit.slice(0, 7)}: '${arg}'`, {
        hint: "'repro log --all' lists every run",
      });
    }
  }
  throw new ReproError('E_NOT_FOUND', `unknown run: '${arg}'`, {
    hint: all.length === 0 ? 'no run has been recorded in this repository yet' : "'repro log --all' lists every run",
  });
}

/**
 * The runs `arg` names by steps 1–4 above (no revision lookup): one, none, or (ambiguous) several.
 * `diff` uses it to tell a run side from a revision.
 */
export function matchRunName(all: RunRef[], arg: string): RunRef[] {
  const id = arg.startsWith(RUNS_PREFIX) ? arg.slice(RUNS_PREFIX.length) : arg;
  const exact = all.find((r) => r.id === id);
  if (exact) return [exact];
  if (id === 'latest') return all.slice(0, 1);
  if (id === '') return [];
  const byId = all.filter((r) => r.id.startsWith(id) || (id.length >= 3 && r.id.endsWith(id)));
  if (byId.length > 0) return byId;
  if (/^[0-9a-f]{4,40}$/.test(id)) return all.filter((r) => r.commit.startsWith(id));
  return [];
}

async function revisionOrNull(repo: RepoInfo, rev: string): Promise<string | null> {
  try {
    return await resolveRevision(repo, rev);
  } catch (e) {
    if (isReproError(e, 'E_NOT_FOUND')) return null;
    throw e;
  }
}

function ambiguous(arg: string, found: RunRef[]): ReproError {
  const shown = found
    .slice(0, 5)
    .map((r) => r.id)
    .join(', ');
  return new ReproError('E_NOT_FOUND', `ambiguous run: '${arg}'`, {
    hint: `it matches ${found.length} runs (${shown}${found.length > 5 ? ', …' : ''}); give more characters`,
  });
}
