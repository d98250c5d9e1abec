import { ReproError, type SourcePos } from '../core/errors.js';
import { clip } from '../core/text.js';
import { toRepoPath } from '../core/paths.js';
import type { PNode } from '../core/yaml.js';
import { interpolateString, type Scope } from './interpolate.js';
import { asBool, asMap, asSeq, asString, checkKeys, isNull } from './nodes.js';
import { didYouMean } from '../core/suggest.js';
import type { DepSpec, OutKind, OutSpec, ParamRef, PlotOptions } from './types.js';

/**
 * Parsers for the list-valued stage fields: deps, outs/metrics/plots and params. Each entry is
 * interpolated with the stage's scope and its paths made repo-relative to the stage's `wdir`.
 */

export const DEFAULT_PARAMS = 'params.yaml';

/** Paths an output may not take: the tool's own files and Git's. */
const RESERVED = ['.git', '.repro', 'repro.yaml', 'repro.lock'];

export interface FieldCtx {
  stage: string;
  scope: Scope;
  wdir: string;
  /** Rejects a repo path that leaves the repository on disk (a symlink); see symlinks.ts. */
  check: (rel: string, pos: SourcePos) => void;
}

/** An interpolated path string and the repo-relative path it names. */
function path(n: PNode, what: string, ctx: FieldCtx): { raw: string; path: string; pos: SourcePos } {
  const s = asString(n, what);
  const raw = interpolateString(s.value, ctx.scope, s.pos);
  const p = toRepoPath(raw, { base: ctx.wdir, pos: s.pos });
  ctx.check(p, s.pos);
  return { raw, path: p, pos: s.pos };
}

export function parseDeps(n: PNode, ctx: FieldCtx): DepSpec[] {
  const seen = new Set<string>();
  const deps: DepSpec[] = [];
  for (const item of asSeq(n, `stage '${ctx.stage}' deps`).items) {
    const p = path(item, `a dep of stage '${ctx.stage}'`, ctx);
    if (seen.has(p.path)) continue; // listing a dep twice changes nothing
    seen.add(p.path);
    deps.push({ path: p.path, pos: p.pos });
  }
  return deps;
}

const OUT_OPTIONS = ['cache', 'git'] as const;
/** The chart templates `repro plots` draws (DVC's names); see report/html/templates.ts. */
export const PLOT_TEMPLATES = [
  'linear',
  'simple',
  'scatter',
  'smooth',
  'confusion',
  'confusion_normalized',
  'bar_horizontal',
  'bar_horizontal_sorted',
] as const;
const PLOT_OPTIONS = ['template', 'x', 'y', 'title', 'x_label', 'y_label'] as const;

/**
 * `outs`/`metrics`/`plots` entries: `path`, `{path: {cache: bool, git: bool}}` (DVC's form), or
 * `{path: PATH, cache: bool, ...}`. A `plots:` entry also takes the drawing options PLOT_OPTIONS
 * in either map form (`{plots/loss.csv: {x: step, y: loss}}`, `{path: plots/loss.csv, x: step}`).
 */
export function parseOuts(n: PNode, kind: OutKind, field: string, ctx: FieldCtx): OutSpec[] {
  const outs: OutSpec[] = [];
  const allowed: readonly string[] = kind === 'plot' ? [...OUT_OPTIONS, ...PLOT_OPTIONS] : OUT_OPTIONS;
  for (const item of asSeq(n, `stage '${ctx.stage}' ${field}`).items) {
    let pathNode: PNode = item;
    let cache = true;
    let git = kind !== 'out';
    let plot: PlotOptions | undefined;
    const option = (o: { key: string; value: PNode }, of: string): void => {
      if (o.key === 'cache' || o.key === 'git') {
        const v = asBool(o.value, `'${o.key}' of '${of}'`);
        if (o.key === 'cache') cache = v;
        else git = v;
      } else plot = plotOption((plot ??= {}), o.key, o.value, of, ctx);
    };
    if (item.kind === 'map' && item.entries.some((e) => e.key === 'path' && e.value.kind === 'scalar')) {
      checkKeys(item, ['path', ...allowed], `an entry of stage '${ctx.stage}' ${field}`);
      pathNode = item.entries.find((e) => e.key === 'path')!.value;
      for (const o of item.entries) if (o.key !== 'path') option(o, String((pathNode as { value: unknown }).value));
    } else if (item.kind === 'map') {
      if (item.entries.length !== 1) {
        throw new ReproError('E_CONFIG', `an entry of stage '${ctx.stage}' ${field} must have exactly one path`, {
          pos: item.pos,
          hint: 'write {path: {cache: false}} or {path: PATH, cache: false}',
        });
      }
      const e = item.entries[0]!;
      pathNode = { kind: 'scalar', value: e.key, pos: e.keyPos };
      if (!isNull(e.value)) {
        const opts = asMap(e.value, `options of '${e.key}'`);
        checkKeys(opts, allowed, `options of '${e.key}'`);
        for (const o of opts.entries) option(o, e.key);
      }
    }
    const p = path(pathNode, `an entry of stage '${ctx.stage}' ${field}`, ctx);
    if (p.path === '' || RESERVED.some((r) => p.path === r || p.path.startsWith(r + '/'))) {
      throw new ReproError('E_CONFIG', `stage '${ctx.stage}' may not write '${clip(p.raw)}'`, {
        pos: p.pos,
        hint: `outputs cannot be the repository root or inside ${RESERVED.join(', ')}`,
      });
    }
    outs.push({ path: p.path, kind, cache, git, dirHint: p.raw.endsWith('/'), ...(plot ? { plot } : {}), pos: p.pos });
  }
  return outs;
}

/** One drawing option of a plots entry, interpolated like paths; `y` may be a list of columns. */
function plotOption(plot: PlotOptions, key: string, value: PNode, of: string, ctx: FieldCtx): PlotOptions {
  const text = (v: PNode): string => {
    const s = asString(v, `'${key}' of '${of}'`);
    return interpolateString(s.value, ctx.scope, s.pos);
  };
  if (key === 'y') {
    plot.y = value.kind === 'seq' ? value.items.map(text) : [text(value)];
    return plot;
  }
  const v = text(value);
  if (key === 'template' && !(PLOT_TEMPLATES as readonly string[]).includes(v)) {
    throw new ReproError('E_CONFIG', `unknown plot template '${v}' for '${of}'`, {
      pos: value.pos,
      hint: didYouMean(v, PLOT_TEMPLATES, `templates: ${PLOT_TEMPLATES.join(', ')}`),
    });
  }
  (plot as Record<string, string>)[key] = v;
  return plot;
}

/**
 * `params` entries: `prepare.split` or `train` (keys of the default params file),
 * `{other.yaml: [a, b.c]}`, `{other.yaml: a}`, or `{other.yaml: null}`/`[]` (the whole file).
 * Params files are relative to `wdir`, like deps. Duplicates are dropped.
 */
export function parseParams(n: PNode, ctx: FieldCtx): ParamRef[] {
  const refs: ParamRef[] = [];
  const seen = new Set<string>();
  const add = (file: string, key: string | null, pos: SourcePos) => {
    const id = `${file}\0${key ?? ''}`;
    if (seen.has(id)) return;
    seen.add(id);
    refs.push({ file, key, pos });
  };
  const key = (k: PNode): { key: string; pos: SourcePos } => {
    const s = asString(k, `a param key of stage '${ctx.stage}'`);
    const v = interpolateString(s.value, ctx.scope, s.pos);
    if (v === '' || v.startsWith('.') || v.endsWith('.')) {
      throw new ReproError('E_CONFIG', `invalid param key '${clip(v)}' in stage '${ctx.stage}'`, { pos: s.pos });
    }
    return { key: v, pos: s.pos };
  };
  let defaultFile: string | undefined;
  for (const item of asSeq(n, `stage '${ctx.stage}' params`).items) {
    if (item.kind !== 'map') {
      const k = key(item);
      if (defaultFile === undefined) {
        defaultFile = toRepoPath(DEFAULT_PARAMS, { base: ctx.wdir });
        ctx.check(defaultFile, k.pos);
      }
      add(defaultFile, k.key, k.pos);
      continue;
    }
    for (const e of item.entries) {
      const raw = interpolateString(e.key, ctx.scope, e.keyPos);
      const file = toRepoPath(raw, { base: ctx.wdir, pos: e.keyPos });
      ctx.check(file, e.keyPos);
      const v = e.value;
      if (isNull(v)) add(file, null, e.keyPos);
      else if (v.kind === 'scalar') {
        const k = key(v);
        add(file, k.key, k.pos);
      } else {
        const keys = asSeq(v, `params of '${raw}'`).items;
        if (keys.length === 0) add(file, null, e.keyPos);
        for (const k of keys.map(key)) add(file, k.key, k.pos);
      }
    }
  }
  return refs;
}
