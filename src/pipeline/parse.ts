import { ReproError, type SourcePos } from '../core/errors.js';
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

/**
 * `repro.yaml` text → validated Pipeline. Pure: the only I/O is `ctx.readParams`, which returns a
 * params file's parsed content (or undefined when it does not exist) for `vars` files and for
 * `${...}` names taken from the default params file, and the optional `ctx.checkPath`.
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
  if (version && !(version.kind === 'scalar' && version.value === 1)) {
    throw new ReproError('E_CONFIG', `unsupported ${file} version '${String(toPlain(version))}'`, {
      pos: version.pos,
      hint: 'this repro reads version: 1',
    });
  }

  const vars = get('vars') ? loadVars(get('vars')!, readParams, check) : {};
  let defaults: Record<string, unknown> | undefined;
  const params = () => {
    if (defaults === undefined) {
      const content = readParams(DEFAULT_PARAMS);
      defaults = isRecord(content) ? content : {};
    }
    return defaults;
  };
  const seedNode = get('seed');
  const declaredSeed = seedNode ? checkSeed(toPlain(seedNode), 'seed', seedNode.pos) : 0;
  if (declaredSeed === null) {
    throw new ReproError('E_CONFIG', 'the pipeline seed must be a number', { pos: seedNode!.pos, hint: 'use seed: false on a stage instead' });
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
  const stagesNode = get('stages');
  if (stagesNode && !isNull(stagesNode)) {
    for (const e of asMap(stagesNode, 'stages').entries) {
      if (!STAGE_NAME.test(e.key)) {
        throw new ReproError('E_CONFIG', `invalid stage name '${e.key}'`, {
          pos: e.keyPos,
          hint: 'stage names use letters, digits, _, - and . (and do not start with - or .)',
        });
      }
      const body = asMap(e.value, `stage '${e.key}'`);
      for (const inst of expandStage(e.key, body, STAGE_KEYS, base)) {
        declared.push(buildStage(inst, { base, seed, seedOverride: ctx.seed, pos: e.keyPos, check }));
      }
    }
  }

  const checks = get('checks') ? parseChecks(get('checks')!, top) : {};
  const dag = buildDag(declared);
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

/**
 * `vars`: a map, or a list of maps and params-file names (`file.yaml`, or `file.yaml:k1,k2` for
 * some top-level keys). Later entries override earlier ones. Vars are not interpolated themselves.
 */
function loadVars(
  n: PNode,
  readParams: ParseCtx['readParams'],
  check: (rel: string, pos: SourcePos) => void,
): Record<string, unknown> {
  if (n.kind === 'map') return toPlain(n) as Record<string, unknown>;
  const vars: Record<string, unknown> = {};
  for (const item of asSeq(n, 'vars', 'write vars as a map, or a list of maps and params file names').items) {
    if (item.kind === 'map') {
      Object.assign(vars, toPlain(item));
      continue;
    }
    const s = asString(item, 'an entry of vars');
    const colon = s.value.lastIndexOf(':');
    const [name, keys] = colon > 0 ? [s.value.slice(0, colon), s.value.slice(colon + 1).split(',').map((k) => k.trim())] : [s.value, null];
    const file = toRepoPath(name, { pos: s.pos });
    check(file, s.pos);
    const content = readParams(file);
    if (content === undefined) throw new ReproError('E_NOT_FOUND', `vars file '${file}' does not exist`, { pos: s.pos });
    if (!isRecord(content)) throw new ReproError('E_CONFIG', `vars file '${file}' must hold a map`, { pos: s.pos });
    for (const k of keys ?? Object.keys(content)) {
      if (!Object.prototype.hasOwnProperty.call(content, k)) {
        throw new ReproError('E_CONFIG', `key '${k}' is not in vars file '${file}'`, { pos: s.pos });
      }
      vars[k] = content[k];
    }
  }
  return vars;
}
