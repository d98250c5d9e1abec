/**
 * What the verbs over run records return (ops/records/: log, show, lineage, replay): their
 * `--json` documents (docs/records.md), rendered by report/records/. Types only.
 */
import type { FingerprintChange } from './env.js';
import type { IsolatedResult } from './isolated.js';
import type { RunRecord } from './record.js';

export type { RunRecord };

/** One line of `repro log` (docs/records.md, `repro log --json`). */
export interface LogEntry {
  id: string;
  /** The run commit under refs/repro/runs/. */
  commit: string;
  /** The commit the run started from (its first parent); null before the first commit. */
  source_commit: string | null;
  /** Null when the record could not be read (see `error`). */
  dirty: boolean | null;
  started_at: string | null;
  ended_at: string | null;
  /** `ok`, `failed`, `interrupted`; `unreadable` when the record could not be read. */
  status: string;
  message: string | null;
  /** Distinct stage seeds of the stages that ran, ascending. */
  seeds: number[];
  /** The first three metric values of the record, `file:key` → value. */
  headline: { name: string; value: number }[];
  /** Names of failed stages. */
  failed_stages: string[];
  /** Set when the record is malformed or from a newer format: the run is listed, not fatal. */
  error: { code: string; message: string } | null;
}

export interface LogResult {
  scope: 'history' | 'all';
  /** Runs in scope before `limit`. */
  total: number;
  runs: LogEntry[];
}

export interface ShowResult {
  id: string;
  commit: string;
  record: RunRecord;
  /** Recorded environment (`a`) against this machine now (`b`); empty when not compared. */
  env_diff: FingerprintChange[];
}

export interface LineageRun {
  id: string;
  commit: string;
  started_at: string;
  /** The stage's status in that run: `executed`, or `restored` when no run executed it. */
  status: string;
  /** The run started from a commit on HEAD's first-parent history. */
  on_history: boolean;
}

export interface LineageNode {
  path: string;
  /** The content asked about: the workspace's for the root, the recorded dep hash for inputs. */
  hash: string | null;
  /** The stage that produces `path`; null for a source file that no stage writes. */
  stage: string | null;
  key: string | null;
  /** Where the stage and its inputs were read: the workspace `repro.lock`, a run record, or nowhere (source). */
  from: 'lock' | 'record' | null;
  /** False when the stage's recorded output is another content than `hash` (e.g. edited by hand, or stale). */
  matches: boolean;
  /** The newest run in which `stage` produced exactly `hash`. */
  run: LineageRun | null;
  inputs: LineageNode[];
  /** Shown earlier in the tree (a shared input): its inputs are not repeated. */
  seen: boolean;
}

export interface LineageVersion {
  run: string;
  source_commit: string | null;
  started_at: string;
  stage: string;
  status: string;
  hash: string;
  /** Same content as the workspace now. */
  current: boolean;
}

export interface LineageResult {
  /** The declared output (repo-relative). */
  path: string;
  /** The path asked about when it is a file inside the directory output `path`. */
  within: string | null;
  workspace_hash: string | null;
  lock_hash: string | null;
  /** The workspace content differs from what repro.lock records. */
  modified: boolean;
  lineage: LineageNode;
  /** Runs on HEAD's first-parent history that produced this output, newest first. */
  versions: LineageVersion[];
  /** Records that could not be read and were skipped. */
  warnings: string[];
}

export interface ReplayResult extends IsolatedResult {
  run: { id: string; commit: string; source_commit: string | null };
  /** Recorded environment (`a`) against this machine (`b`): a reason results may differ. */
  env_diff: FingerprintChange[];
}
