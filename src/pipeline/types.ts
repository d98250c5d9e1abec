import type { SourcePos } from '../core/errors.js';
import type { PlotOptions } from '../model/plot.js';
import type { CheckLimits } from '../model/check.js';

/**
 * The validated pipeline model: what `repro.yaml` declares, with `${...}` resolved, matrix/foreach
 * expanded and every path normalised to a repo-relative POSIX path (see core/paths.ts).
 * Declared intent only: nothing here has been hashed or run.
 */

/** A param reference: `key` is a dotted key, or null for the whole file. */
export interface ParamRef {
  file: string; // repo-relative, default 'params.yaml'
  key: string | null;
  pos: SourcePos;
}

export type OutKind = 'out' | 'metric' | 'plot';

export interface OutSpec {
  path: string; // repo-relative, no trailing slash
  kind: OutKind;
  /** Stored in the object cache. Default true for every kind. */
  cache: boolean;
  /** Tracked by Git (not added to .gitignore). Default false for outs, true for metrics/plots. */
  git: boolean;
  /** Declared with a trailing '/': must be a directory. */
  dirHint: boolean;
  /** How a `plots:` entry is drawn (`repro plots`); never part of the stage key. Absent: defaults. */
  plot?: PlotOptions;
  pos: SourcePos;
}

/** Drawing options of a `plots:` entry: the contract lives in model/ (report/ draws it). */
export type { PlotOptions };

export interface DepSpec {
  path: string; // repo-relative, no trailing slash
  pos: SourcePos;
}

export interface Stage {
  /** Unique name: `train`, or `train@small` for a matrix/foreach item. */
  name: string;
  /** The declared name before expansion (`train`). */
  group: string;
  desc?: string;
  /** Commands run in order through `sh -c` in `wdir`; the stage fails at the first non-zero exit. */
  cmd: string[];
  /** Repo-relative working directory ('' for the root). */
  wdir: string;
  deps: DepSpec[];
  outs: OutSpec[]; // outs, metrics and plots together, in declaration order
  params: ParamRef[];
  /** The seed the command receives, or null when the stage says `seed: false`. */
  seed: number | null;
  deterministic: boolean;
  /** `"path:metric.key"` → allowed absolute difference on re-run. */
  tolerance: Record<string, number>;
  /** `tolerance: auto`: metrics are judged against their envelope across seeds (docs/verify.md). */
  toleranceAuto?: boolean;
  alwaysChanged: boolean;
  frozen: boolean;
  pos: SourcePos;
}

/** A `checks:` rule of repro.yaml: its limits, and where it is declared. */
export interface CheckRule extends CheckLimits {
  pos: SourcePos;
}

export interface Pipeline {
  /** Absolute path of the repository root. */
  root: string;
  /** Repo-relative path of the pipeline file ('repro.yaml'). */
  file: string;
  vars: Record<string, unknown>;
  /** Pipeline default seed. */
  seed: number;
  /** Dependency lock files hashed into every stage key (repo-relative). */
  locks: string[];
  /** Env var names or globs captured into every stage key. */
  envCapture: string[];
  /** Extra commands whose output goes into the environment fingerprint (`env.tools`). */
  envTools: string[];
  /** `"path:metric.key"` → guardrail. */
  checks: Record<string, CheckRule>;
  /** Stages in a deterministic topological order (upstream first, ties by declaration order). */
  stages: Stage[];
  byName: Map<string, Stage>;
  /** Stage name → names of the stages whose outputs it depends on. */
  upstream: Map<string, string[]>;
  /** Stage name → names of the stages that depend on its outputs. */
  downstream: Map<string, string[]>;
  /** Output path → producing stage name. */
  outOwner: Map<string, string>;
  /**
   * Parsed content of every params file the stages name (and those read for `vars` and
   * `${...}`), as read at load time; undefined for a missing file. Pass
   * `(f) => p.paramsData.get(f)` to `resolveParamValues` to avoid reading them again.
   */
  paramsData: Map<string, unknown>;
}
