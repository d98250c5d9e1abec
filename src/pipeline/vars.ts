import { ReproError, type SourcePos } from '../core/errors.js';
import { clip } from '../core/text.js';
import { toRepoPath } from '../core/paths.js';
import type { PNode } from '../core/yaml.js';
import { interpolate, referencedNames, type Scope } from './interpolate.js';
import { asSeq, asString, toPlain } from './nodes.js';

/**
 * `vars`: a map, or a list of maps and params-file names (`file.yaml`, or `file.yaml:k1,k2` for
 * some top-level keys). A name may be defined once: a second definition, in another entry of the
 * list, is `E_CONFIG` naming both (as DVC's "cannot redefine"), not a silent override.
 *
 * Values written in repro.yaml may use `${...}` like any other string there: they are resolved
 * once, here, against the other vars and then the top-level keys of params.yaml (not `item`,
 * `key` or `seed`, which belong to stages), in dependency order; vars that refer to each other
 * in a loop are `E_INTERPOLATION` naming the loop. Values read from params files are data and
 * are taken as they are.
 */

export interface VarsCtx {
  readParams: (file: string) => unknown;
  check: (rel: string, pos: SourcePos) => void;
  /** Top-level keys of the default params file, read on first use. */
  params: () => Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function loadVars(n: PNode, ctx: VarsCtx): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  const inline = new Map<string, PNode>(); // vars whose value is written in repro.yaml
  const origin = new Map<string, string>(); // where each var was defined, for the redefinition error
  const set = (k: string, v: unknown, at: SourcePos, from: string, node?: PNode) => {
    const first = origin.get(k);
    if (first !== undefined) {
      throw new ReproError('E_CONFIG', `cannot redefine var '${clip(k)}': already defined ${first}`, {
        pos: at,
        hint: 'a var is defined once: rename one of them, or take only some keys of a vars file with file.yaml:key1,key2',
      });
    }
    origin.set(k, from);
    Object.defineProperty(vars, k, { value: v, enumerable: true, writable: true, configurable: true });
    if (node) inline.set(k, node);
  };
  const items = n.kind === 'map' ? [n] : asSeq(n, 'vars', 'write vars as a map, or a list of maps and params file names').items;
  for (const item of items) {
    if (item.kind === 'map') {
      for (const e of item.entries) set(e.key, toPlain(e.value), e.keyPos, `at ${where(e.keyPos)}`, e.value);
      continue;
    }
    const s = asString(item, 'an entry of vars');
    const colon = s.value.lastIndexOf(':');
    const [name, keys] =
      colon > 0
        ? [
            s.value.slice(0, colon),
            s.value
              .slice(colon + 1)
              .split(',')
              .map((k) => k.trim()),
          ]
        : [s.value, null];
    const file = toRepoPath(name, { pos: s.pos });
    ctx.check(file, s.pos);
    const content = ctx.readParams(file);
    if (content === undefined) throw new ReproError('E_NOT_FOUND', `vars file '${file}' does not exist`, { pos: s.pos });
    if (!isRecord(content)) throw new ReproError('E_CONFIG', `vars file '${file}' must hold a map`, { pos: s.pos });
    for (const k of new Set(keys ?? Object.keys(content))) {
      if (!Object.prototype.hasOwnProperty.call(content, k)) {
        throw new ReproError('E_CONFIG', `key '${clip(k)}' is not in vars file '${file}'`, { pos: s.pos });
      }
      set(k, content[k], s.pos, `by vars file '${file}' at ${where(s.pos)}`);
    }
  }
  resolveVars(vars, inline, ctx.params);
  return vars;
}

const where = (p: SourcePos): string => `${p.file}:${p.line}:${p.col}`;

const STAGE_LOCALS = ['item', 'key', 'seed'];

/** Interpolate the inline vars in place, each after the vars it refers to. */
function resolveVars(vars: Record<string, unknown>, inline: Map<string, PNode>, params: () => Record<string, unknown>): void {
  const done = new Set<string>();
  const stack: string[] = [];
  const scope: Scope = { locals: {}, vars, params };
  const resolve = (name: string, from?: SourcePos): void => {
    const node = inline.get(name);
    if (!node || done.has(name)) return;
    const at = stack.indexOf(name);
    if (at >= 0) {
      const loop = [...stack.slice(at), name];
      throw new ReproError(
        'E_INTERPOLATION',
        loop.length === 2
          ? `var '${clip(name)}' refers to itself`
          : `vars refer to each other in a loop: ${loop.map((n) => clip(n)).join(' -> ')}`,
        { pos: from, hint: 'give one of them a value without ${...}' },
      );
    }
    stack.push(name);
    const value = (n: PNode): unknown => {
      if (n.kind === 'seq') return n.items.map(value);
      if (n.kind === 'map') {
        const out: Record<string, unknown> = {};
        for (const e of n.entries)
          Object.defineProperty(out, e.key, { value: value(e.value), enumerable: true, writable: true, configurable: true });
        return out;
      }
      if (typeof n.value !== 'string') return n.value;
      for (const ref of referencedNames(n.value, n.pos)) {
        if (STAGE_LOCALS.includes(ref) && !Object.prototype.hasOwnProperty.call(vars, ref)) {
          throw new ReproError('E_INTERPOLATION', `var '${clip(name)}' uses '\${${ref}}', which only stages have`, {
            pos: n.pos,
            hint: `vars are resolved once for the whole pipeline: write '\${${ref}}' in the stage's fields instead`,
          });
        }
        resolve(ref, n.pos);
      }
      return interpolate(n.value, scope, n.pos);
    };
    Object.defineProperty(vars, name, { value: value(node), enumerable: true, writable: true, configurable: true });
    stack.pop();
    done.add(name);
  };
  for (const name of inline.keys()) resolve(name);
}
