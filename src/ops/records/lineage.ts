import { relative, resolve, sep } from 'node:path';
import { ReproError, isReproError } from '../../core/errors.js';
import { absPath, isWithin, toRepoPath } from '../../core/paths.js';
import { readLock, type KeyComponents, type LockFile } from '../../lock/index.js';
import { findRepo, listRuns, type RunRef } from '../../record/index.js';
import { openContext } from '../context.js';
import type { LineageNode, LineageResult, LineageRun, LineageVersion, RunRecord } from '../../model/records.js';
import { mapLimit } from '../../core/pool.js';
import { readRecord, runsOnHistory } from './read.js';

export interface LineageOptions {
  cwd: string;
  /** A file or directory in the workspace, relative to `cwd`: a declared output or a file inside one. */
  path: string;
}

export type { LineageNode, LineageResult, LineageRun, LineageVersion };

interface Loaded {
  run: RunRef;
  record: RunRecord;
  onHistory: boolean;
}

/**
 * `repro lineage PATH`: which stage produced the workspace content of PATH, in which run, from
 * which inputs (recursively, each with its hash and producing stage), and which runs on the
 * branch's history produced other versions of it. The stage and its inputs come from the
 * workspace `repro.lock` when it records this content, else from the newest run record that does.
 */
export async function lineage(opts: LineageOptions): Promise<LineageResult> {
  const ctx = await openContext(opts.cwd);
  const asked = repoPath(ctx.root, resolve(opts.cwd, opts.path), opts.path);
  const lock = await readLock(ctx.root);
  const { loaded, warnings } = await loadRecords(ctx.root);
  const out = findOutput(asked, lock, loaded);
  if (out === null) {
    throw new ReproError('E_NOT_FOUND', `no stage produces this path: '${asked}'`, {
      hint: 'lineage follows outputs declared in repro.yaml (outs, metrics, plots) that ran at least once',
    });
  }
  const ws = await ctx.cache.hashPath(absPath(ctx.root, out));
  await ctx.cache.flush();
  const lockHash = Object.values(lock.stages).find((e) => e.out_hashes?.[out])?.out_hashes[out]?.hash ?? null;
  const producers = indexProducers(loaded);
  const seen = new Set<string>();
  const build = (path: string, hash: string | null, depth: number): LineageNode => {
    const src = producerOf(path, hash, lock, loaded);
    const id = `${path}\0${hash}`;
    const node: LineageNode = {
      path,
      hash,
      stage: src?.stage ?? null,
      key: src?.key ?? null,
      from: src?.from ?? null,
      matches: src ? src.matches : true,
      run: hash === null ? null : (producers.get(id) ?? null),
      inputs: [],
      seen: seen.has(id),
    };
    if (node.seen || !src || depth > 64) return node;
    seen.add(id);
    node.inputs = Object.entries(src.components.deps ?? {}).map(([p, h]) => build(p, h === '' ? null : h, depth + 1));
    return node;
  };
  const versions: LineageVersion[] = [];
  for (const { run, record, onHistory } of loaded) {
    if (!onHistory) continue;
    for (const [stage, s] of Object.entries(record.stages)) {
      const o = s.outs?.[out];
      if (!o || (s.status !== 'executed' && s.status !== 'restored')) continue;
      versions.push({
        run: run.id,
        source_commit: run.parent,
        started_at: record.started_at,
        stage,
        status: s.status,
        hash: o.hash,
        current: o.hash === ws?.hash,
      });
    }
  }
  return {
    path: out,
    within: asked === out ? null : asked,
    workspace_hash: ws?.hash ?? null,
    lock_hash: lockHash,
    modified: ws?.hash !== lockHash,
    lineage: build(out, ws?.hash ?? lockHash, 0),
    versions,
    warnings,
  };
}

function repoPath(root: string, abs: string, given: string): string {
  const rel = relative(resolve(root), abs);
  if (rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new ReproError('E_PATH_ESCAPE', `path is outside the repository: '${given}'`);
  }
  return toRepoPath(rel.split(sep).join('/') || '.');
}

/** Records of every run, history first (each part newest first); unreadable ones become warnings. */
async function loadRecords(root: string): Promise<{ loaded: Loaded[]; warnings: string[] }> {
  const repo = await findRepo(root);
  const runs = await listRuns(repo);
  const onHistory = new Set((await runsOnHistory(repo, runs)).map((r) => r.id));
  const ordered = [...runs.filter((r) => onHistory.has(r.id)), ...runs.filter((r) => !onHistory.has(r.id))];
  const warnings: string[] = [];
  const loaded = await mapLimit(ordered, 16, async (run) => {
    try {
      return { run, record: await readRecord(repo, run), onHistory: onHistory.has(run.id) };
    } catch (e) {
      if (!isReproError(e, 'E_RECORD')) throw e;
      warnings.push(e.message);
      return null;
    }
  });
  return { loaded: loaded.filter((l): l is Loaded => l !== null), warnings };
}

/** The declared output `asked` is, or lies in: from the lock first, then from run records. */
function findOutput(asked: string, lock: LockFile, loaded: Loaded[]): string | null {
  const candidates = new Set<string>();
  for (const e of Object.values(lock.stages)) for (const p of Object.keys(e.out_hashes ?? {})) candidates.add(p);
  for (const { record } of loaded)
    for (const s of Object.values(record.stages)) for (const p of Object.keys(s.outs ?? {})) candidates.add(p);
  if (candidates.has(asked)) return asked;
  return [...candidates].find((p) => isWithin(asked, p)) ?? null;
}

interface Producer {
  stage: string;
  key: string | null;
  from: 'lock' | 'record';
  matches: boolean;
  components: KeyComponents;
}

/** Who produced `path` with content `hash`: the lock's entry if it records that content, else the newest record that does, else the lock's entry for the path (not matching). */
function producerOf(path: string, hash: string | null, lock: LockFile, loaded: Loaded[]): Producer | null {
  let other: Producer | null = null;
  for (const [stage, e] of Object.entries(lock.stages)) {
    const o = e.out_hashes?.[path];
    if (!o) continue;
    const p: Producer = { stage, key: e.key, from: 'lock', matches: hash === null || o.hash === hash, components: e };
    if (p.matches) return p;
    other ??= p;
  }
  for (const { record } of loaded) {
    for (const [stage, s] of Object.entries(record.stages)) {
      if (s.outs?.[path]?.hash === hash && s.components)
        return { stage, key: s.key, from: 'record', matches: true, components: s.components };
    }
  }
  return other;
}

/** `path\0hash` → the newest run that executed the stage producing it (else restored it), history first. */
function indexProducers(loaded: Loaded[]): Map<string, LineageRun> {
  const out = new Map<string, LineageRun>();
  for (const { run, record, onHistory } of loaded) {
    for (const s of Object.values(record.stages)) {
      if (s.status !== 'executed' && s.status !== 'restored') continue;
      for (const [p, o] of Object.entries(s.outs ?? {})) {
        const id = `${p}\0${o.hash}`;
        const prev = out.get(id);
        if (prev && (prev.status === 'executed' || s.status === 'restored')) continue;
        out.set(id, { id: run.id, commit: run.commit, started_at: record.started_at, status: s.status, on_history: onHistory });
      }
    }
  }
  return out;
}
