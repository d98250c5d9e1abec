import type { OutputDetail } from '../../compare/index.js';
import type { LockFile } from '../../lock/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { snapshotTree, type RepoInfo } from '../../record/index.js';
import type { RerunCheck, RerunOutput, RerunStage } from '../../model/verify.js';
import { worst } from './status.js';
import type { RepoContext } from '../context.js';
import { rerunIsolated, type IsolatedEvent, type OutputResult } from '../isolated/engine.js';
import { newSampleSeed, rerunTargets, sampleStages } from './sample.js';

export type RerunEvent = IsolatedEvent | { type: 'sample'; k: number; seed: number; stages: string[] };

/** Exit code of `sh -c` when the command is not found. */
const NOT_FOUND = 127;

/**
 * `verify --rerun [STAGE...] [--sample K]`: re-execute stages in an isolated copy of the work
 * tree as it is checked out (a Git tree written from the index and work tree, uncommitted edits
 * included; nothing of the work tree changes) and compare each output with repro.lock. A stage
 * the lock has no entry for cannot be compared: freshness reports it (never run), and it is
 * left out here unless named.
 */
export async function checkRerun(
  ctx: RepoContext,
  repo: RepoInfo,
  pipeline: Pipeline,
  lock: LockFile,
  opts: {
    stages: string[];
    sample?: number;
    sampleSeed?: number;
    signal?: AbortSignal;
    onEvent?: (e: RerunEvent) => void;
    env?: NodeJS.ProcessEnv;
  },
): Promise<RerunCheck> {
  let names = rerunTargets(pipeline, opts.stages);
  if (opts.stages.length === 0) names = names.filter((n) => lock.stages[n] && !pipeline.byName.get(n)!.frozen);
  let sample: RerunCheck['sample'] = null;
  if (opts.sample !== undefined) {
    const seed = opts.sampleSeed ?? newSampleSeed();
    names = sampleStages(names, opts.sample, seed);
    sample = { k: opts.sample, seed };
    opts.onEvent?.({ type: 'sample', k: opts.sample, seed, stages: names });
  }
  const missing = names.filter((n) => !lock.stages[n]);
  const runnable = names.filter((n) => lock.stages[n]);
  const stages: RerunStage[] = missing.map((n) => ({
    name: n,
    status: 'not-run',
    outputs: [],
    error: 'not in repro.lock: nothing to compare with (run it first)',
    stderr_tail: [],
    input_changes: [],
    ...where(pipeline, n),
  }));
  if (runnable.length) {
    const tree = await snapshotTree({ repo, extraFiles: {} });
    const res = await rerunIsolated({ ctx, tree, lock, stages: runnable, signal: opts.signal, onEvent: opts.onEvent, env: opts.env });
    for (const s of res.stages) {
      if (!s.requested) continue;
      const outs = res.outputs.filter((o) => o.stage === s.name).map(toOutput);
      const failed = s.action === 'failed' || s.action === 'not-run' ? s.action : null;
      // An input that is not the locked one (missing from the copy, other content) means the
      // outputs were made from something else: not reproduced, even when they match.
      const status: RerunStage['status'] = failed
        ? failed
        : s.input_changes.length > 0 || outs.some((o) => o.status === 'differs' || o.status === 'missing')
          ? 'not-reproduced'
          : outs.some((o) => o.status === 'within-tolerance')
            ? 'within-tolerance'
            : 'reproduced';
      stages.push({
        name: s.name,
        status,
        outputs: outs,
        error: failed ? stageError(s) : null,
        stderr_tail: s.stderr_tail,
        input_changes: s.input_changes,
        ...where(pipeline, s.name),
      });
    }
  }
  const order = new Map(pipeline.stages.map((s, i) => [s.name, i]));
  stages.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const ok = (s: RerunStage): boolean => s.status === 'reproduced' || s.status === 'within-tolerance';
  return { status: worst(stages.map((s) => (ok(s) ? 'pass' : 'fail'))), stages_requested: names, sample, stages };
}

function where(p: Pipeline, name: string): { file: string; line: number | null } {
  const s = p.byName.get(name);
  return { file: s?.pos.file ?? p.file, line: s?.pos.line ?? null };
}

/** A failed command, said plainly when the shell could not find it on this machine. */
function stageError(s: { error: string | null; exit_code: number | null; stderr_tail: string[] }): string {
  const err = s.error ?? 'failed';
  if (s.exit_code !== NOT_FOUND) return err;
  const what = s.stderr_tail.find((l) => /not found/i.test(l));
  return `command not found on this machine${what ? `: ${what.replace(/^\[[^\]]*\]\s*/, '')}` : ''} (${err}); install it, or re-run this stage where it exists`;
}

export function toOutput(o: OutputResult): RerunOutput {
  const out: RerunOutput = {
    path: o.path,
    status: o.outcome,
    diff: null,
    first_line: null,
    volatile: [],
    byte_offset: null,
    sizes: o.actual ? [o.expected.size, o.actual.size] : null,
    files: null,
    metrics: [],
    detail: o.note,
  };
  if (o.detail) applyDetail(out, o.detail);
  return out;
}

function applyDetail(out: RerunOutput, d: OutputDetail): void {
  switch (d.kind) {
    case 'text':
      out.diff = d.diff;
      out.first_line = d.first_line;
      out.volatile = d.volatile.map((v) => ({ kinds: v.kinds, tokens: v.tokens }));
      break;
    case 'binary':
      out.byte_offset = d.offset;
      out.sizes = [d.expected_size, d.actual_size];
      break;
    case 'dir':
      out.files = {
        added: d.added,
        removed: d.removed,
        changed: d.changed,
      };
      if (d.first) {
        const inner: RerunOutput = { ...out, files: null };
        applyDetail(inner, d.first.detail);
        out.diff = inner.diff;
        out.first_line = inner.first_line;
        out.volatile = inner.volatile;
        out.byte_offset = inner.byte_offset;
      }
      break;
    case 'metrics':
      out.metrics = d.rows.map((r) => ({ key: r.key, locked: r.expected, rerun: r.actual, tolerance: r.tolerance, within: r.within }));
      break;
    case 'hash':
      out.detail = [out.detail, `${d.reason}: only the hashes can be compared`].filter(Boolean).join('; ');
      break;
  }
}
