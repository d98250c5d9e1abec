import { ReproError, type SourcePos } from '../core/errors.js';
import { clip } from '../core/text.js';
import { toRepoPath } from '../core/paths.js';
import { parseYamlTree, type PNode } from '../core/yaml.js';
import { buildDag } from './dag.js';
import { expandStage } from './expand.js';
import { DEFAULT_PARAMS } from './fields.js';
import { interpolateString, type Scope } from './interpolate.js';
import { asMap, asSeq, asString, checkKeys, entry, isNull, toPlain } from './nodes.js';
import { parseChecks } from './checks.js';
import type { ParseMemo } from './memo.js';
import { buildStage, checkSeed, STAGE_KEYS } from './stage.js';
import type { Pipeline, Stage } from './types.js';
import { loadVars } from './vars.js';
import { checkWdirs, type PathKind } from './wdir.js';

/**
 * `repro.yaml` text → validated Pipeline. Pure: the only I/O is `ctx.readParams`, which returns a
 * params file's parsed content (or undefined when it does not exist) for `vars` files and for
 * `${...}` names taken from the default params file, and the optional `ctx.checkPath` and
 * `ctx.pathKind`.
 */

export interface ParseCtx {
  /** Absolute repository root, copied into the result. */
  root: string;
  /** Parsed content of a repo-relative params file, or undefined when it is missing. */
  readParams: (file: string) => unknown;
  /**
   * Called with every repo path the pipeline names (deps, outs, params and vars files, lock
   * files, wdirs) to reject symlink escapes with the path's position; default: no disk check.
   */
  checkPath?: (rel: string, pos: SourcePos) => void;
  /** Replaces every seed that is not `false` (`repro run --seed N`), including in `${seed}`. */
  seed?: number;
  /** Memoises the YAML parse of `text` (see memo.ts); default: parse every time. */
  memo?: ParseMemo;
  /**
   * What a repo path is on disk, to check that every stage's `wdir` is a directory (or will be
   * made by a run: see wdir.ts); default: no check.
   */
  pathKind?: (rel: string) => PathKind;
}

const TOP_KEYS = ['version', 'vars', 'seed', 'locks', 'env', 'stages', 'checks'] as const;
const ENV_KEYS = ['capture', 'tools'] as const;
const STAGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parsePipeline(text: string, file: string, ctx: ParseCtx): Pipeline {
  const check = ctx.checkPath ?? (() => {});
  const parseTree = () => parseYamlTree(text, file, { interpolation: true });
  const tree = ctx.memo ? ctx.memo.tree(text, file, parseTree) : parseTree();
  const paramsData = new Map<string, unknown>();
  const readParams = (f: string): unknown => {
    if (!paramsData.has(f)) paramsData.set(f, ctx.readParams(f));
    return paramsData.get(f);
  };
  if (!tree || tree.kind !== 'map') {
    throw new ReproError('E_CONFIG', `${file} must be a map with a 'stages' key`, {
      pos: tree?.pos ?? { file, line: 1, col: 1 },
      hint: 'run `repro init` for a starting point',
    });
  }
  checkKeys(tree, TOP_KEYS, file);
  const get = (k: string): PNode | undefined => entry(tree, k);

  const version = get('version');
  if (version && version.kind === 'scalar' && typeof version.value === 'string') {
    throw new ReproError('E_CONFIG', `${file} version must be the number 1, not the string '${clip(version.value)}'`, {
      pos: version.pos,
      hint: 'write version: 1, without quotes',
    });
  }
  if (version && !(version.kind === 'scalar' && version.value === 1)) {
    throw new ReproError('E_CONFIG', `unsupported ${file} version '${clip(JSON.stringify(toPlain(version)) ?? 'null')}'`, {
      pos: version.pos,
      hint: 'this repro reads version: 1',
    });
  }

  let defaults: Record<string, unknown> | undefined;
  const params = () => {
    if (defaults === undefined) {
      const content = readParams(DEFAULT_PARAMS);
      defaults = isRecord(content) ? content : {};
    }
    return defaults;
  };
  const vars = get('vars') ? loadVars(get('vars')!, { readParams, check, params }) : {};
  const seedNode = get('seed');
  const declaredSeed = seedNode ? checkSeed(toPlain(seedNode), 'seed', seedNode.pos) : 0;
  if (declaredSeed === null) {
    throw new ReproError('E_CONFIG', 'the pipeline seed must be a number', {
      pos: seedNode!.pos,
      hint: 'use seed: false on a stage instead',
    });
  }
  const seed = ctx.seed ?? declaredSeed;
  const base: Scope = { locals: {}, vars, params };
  const top: Scope = { ...base, locals: { seed } };

  const locks = get('locks')
    ? stringList(get('locks')!, 'locks', top).map((s) => {
        const p = toRepoPath(s.value, { pos: s.pos });
        check(p, s.pos);
        return p;
      })
    : [];
  let envCapture: string[] = [];
  let envTools: string[] = [];
  const envNode = get('env');
  if (envNode && !isNull(envNode)) {
    const env = asMap(envNode, 'env');
    checkKeys(env, ENV_KEYS, 'env');
    const cap = entry(env, 'capture');
    const tools = entry(env, 'tools');
    if (cap) envCapture = asSeq(cap, 'env capture').items.map((n) => asString(n, 'an env capture name').value);
    if (tools) envTools = asSeq(tools, 'env tools').items.map((n) => asString(n, 'an env tool command').value);
  }

  const declared: Stage[] = [];
  const wdirs = new Map<string, SourcePos>();
  const stagesNode = get('stages');
  if (stagesNode && !isNull(stagesNode)) {
    // Stage names are unique: the tree has no duplicate keys, `1` and "1" included (core/yaml.ts).
    for (const e of asMap(stagesNode, 'stages').entries) {
      if (!STAGE_NAME.test(e.key)) {
        throw new ReproError('E_CONFIG', `invalid stage name '${clip(e.key)}'`, {
          pos: e.keyPos,
          hint: 'stage names use letters, digits, _, - and . (and do not start with - or .)',
        });
      }
      const body = asMap(e.value, `stage '${e.key}'`);
      for (const inst of expandStage(e.key, body, STAGE_KEYS, base)) {
        declared.push(buildStage(inst, { base, seed, seedOverride: ctx.seed, pos: e.keyPos, check, wdirs }));
      }
    }
  }

  const checks = get('checks') ? parseChecks(get('checks')!, top) : {};
  if (!stagesNode) {
    // Not an empty pipeline: `repro run` would drop every entry of repro.lock.
    throw new ReproError('E_CONFIG', `${file} has no 'stages'`, {
      pos: tree.pos,
      hint: 'add a stages: map (stages: {} declares a pipeline with no stages yet)',
    });
  }
  const dag = buildDag(declared);
  if (ctx.pathKind) checkWdirs(wdirs, ctx.pathKind, dag.outOwner.keys());
  for (const s of declared) for (const r of s.params) readParams(r.file);
  return {
    root: ctx.root,
    file,
    vars,
    seed,
    locks,
    envCapture,
    envTools,
    checks,
    stages: dag.stages,
    byName: new Map(dag.stages.map((s) => [s.name, s])),
    upstream: dag.upstream,
    downstream: dag.downstream,
    outOwner: dag.outOwner,
    paramsData,
  };
}

/** A list of strings, each interpolated with `scope`. */
function stringList(n: PNode, what: string, scope: Scope): { value: string; pos: SourcePos }[] {
  return asSeq(n, what).items.map((item) => {
    const s = asString(item, `an entry of ${what}`);
    return { value: interpolateString(s.value, scope, s.pos), pos: s.pos };
  });
}
