import { ReproError, type SourcePos } from '../core/errors.js';
import { isWithin } from '../core/paths.js';
import type { OutSpec, Stage } from './types.js';
import { MinHeap, PathIndex } from '../core/sorted.js';

/**
 * The stage graph. Edge A → B when a dep of B is an output of A or inside one, or when an output
 * of A is inside a dep directory of B. Outputs may not repeat or nest (across or within stages),
 * and no stage may depend on its own output. Cost: O(paths × path depth + outs log outs).
 */

export interface Dag {
  /** Deterministic topological order: Kahn's algorithm, ready stages taken in declaration order. */
  stages: Stage[];
  upstream: Map<string, string[]>;
  downstream: Map<string, string[]>;
  outOwner: Map<string, string>;
}

/** Proper ancestors of a repo path, nearest first: `a/b/c` → `a/b`, `a`. */
function* ancestors(p: string): Generator<string> {
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) yield p.slice(0, i);
}

export function buildDag(declared: Stage[]): Dag {
  const index = new Map(declared.map((s, i) => [s.name, i]));
  const owner = new Map<string, { stage: Stage; out: OutSpec }>();
  for (const stage of declared) {
    for (const out of stage.outs) {
      const prev = owner.get(out.path);
      if (prev?.stage === stage) {
        throw new ReproError('E_DUPLICATE_OUT', `output '${out.path}' is listed twice in stage '${stage.name}'`, {
          pos: out.pos,
          hint: `remove one of them (outs, metrics and plots together list each path once; the first is at line ${prev.out.pos.line}, col ${prev.out.pos.col})`,
        });
      }
      if (prev) {
        throw new ReproError(
          'E_DUPLICATE_OUT',
          `output '${out.path}' is written by both stage '${prev.stage.name}' and stage '${stage.name}'`,
          {
            pos: out.pos,
            hint: 'every output must have exactly one producing stage',
          },
        );
      }
      owner.set(out.path, { stage, out });
    }
  }
  for (const stage of declared) {
    for (const out of stage.outs) {
      for (const a of ancestors(out.path)) {
        const outer = owner.get(a);
        if (!outer) continue;
        throw new ReproError(
          'E_DUPLICATE_OUT',
          `output '${out.path}' of stage '${stage.name}' is inside output '${a}' of stage '${outer.stage.name}'`,
          {
            pos: out.pos,
            hint: 'outputs may not overlap: declare the directory or the files in it, not both',
          },
        );
      }
    }
  }
  for (const stage of declared) {
    for (const dep of stage.deps) {
      const own = stage.outs.find((o) => isWithin(dep.path, o.path) || isWithin(o.path, dep.path));
      if (own) {
        throw new ReproError(
          'E_SELF_DEP',
          `stage '${stage.name}' depends on its own output '${own.path}' through dep '${dep.path || '.'}'`,
          {
            pos: dep.pos,
            hint: 'a stage cannot read what it writes: split it into two stages or write to a new path',
          },
        );
      }
    }
  }

  // up[b]: producer index → position of the dep of b that creates the edge.
  const up = declared.map(() => new Map<number, SourcePos>());
  const down = declared.map(() => new Set<number>());
  const outIndex = new PathIndex([...owner.keys()]);
  const link = (from: Stage, to: number, pos: SourcePos) => {
    const f = index.get(from.name)!;
    if (!up[to]!.has(f)) up[to]!.set(f, pos);
    down[f]!.add(to);
  };
  declared.forEach((stage, b) => {
    for (const dep of stage.deps) {
      for (const o of outIndex.overlapping(dep.path)) link(owner.get(o)!.stage, b, dep.pos);
    }
  });

  const order = topoOrder(declared, up, down);
  const rank = new Map(order.map((s, i) => [s.name, i]));
  const names = (set: Iterable<number>) => [...set].map((i) => declared[i]!.name).sort((x, y) => rank.get(x)! - rank.get(y)!);
  return {
    stages: order,
    upstream: new Map(declared.map((s, i) => [s.name, names(up[i]!.keys())])),
    downstream: new Map(declared.map((s, i) => [s.name, names(down[i]!)])),
    outOwner: new Map([...owner].map(([p, o]) => [p, o.stage.name])),
  };
}

/** Kahn's algorithm with a min-heap on declaration index; a leftover means a cycle. */
function topoOrder(declared: Stage[], up: Map<number, SourcePos>[], down: Set<number>[]): Stage[] {
  const indegree = up.map((m) => m.size);
  const heap = new MinHeap();
  indegree.forEach((d, i) => d === 0 && heap.push(i));
  const order: Stage[] = [];
  for (let i = heap.pop(); i !== undefined; i = heap.pop()) {
    order.push(declared[i]!);
    for (const j of down[i]!) if (--indegree[j]! === 0) heap.push(j);
  }
  if (order.length < declared.length) throw cycleError(declared, up, indegree);
  return order;
}

/**
 * Every stage left by Kahn's algorithm has an unprocessed producer, so walking producers from the
 * first leftover stage must revisit a stage: that loop is the cycle, reported in data-flow order.
 */
function cycleError(declared: Stage[], up: Map<number, SourcePos>[], indegree: number[]): ReproError {
  const start = indegree.findIndex((d) => d > 0);
  const path: number[] = [];
  const seenAt = new Map<number, number>();
  let cur = start;
  while (!seenAt.has(cur)) {
    seenAt.set(cur, path.length);
    path.push(cur);
    cur = [...up[cur]!.keys()].find((p) => indegree[p]! > 0)!;
  }
  const loop = path.slice(seenAt.get(cur)!).reverse(); // producers first
  const first = loop.indexOf(Math.min(...loop));
  const cycle = [...loop.slice(first), ...loop.slice(0, first)];
  const names = [...cycle, cycle[0]!].map((i) => declared[i]!.name);
  // Point at the dep of the first stage that reads the last stage's output (closing the loop).
  const pos = up[cycle[0]!]!.get(cycle[cycle.length - 1]!)!;
  return new ReproError('E_CYCLE', `the stages form a cycle: ${names.join(' -> ')}`, {
    pos,
    hint: 'an arrow means "writes an output the next one depends on"; break the loop by removing one of those deps',
  });
}
