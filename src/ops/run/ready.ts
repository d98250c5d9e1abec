import type { Stage } from '../../pipeline/index.js';

/**
 * The scheduler's queue of stages whose upstream stages have all finished, O(stages + edges) in
 * all: each stage counts its unfinished upstream stages in the selection; `done` decrements its
 * dependents' counts. Ready stages come out in selection order (a min-heap on it), so a run
 * starts stages in the order `repro run` lists them whatever order their upstreams end in; at
 * 10,000 stages made ready at once an insertion-sorted array cost O(n) per take and per insert.
 */
export class ReadyQueue {
  private readonly order = new Map<string, number>();
  private readonly remaining: number[] = [];
  private readonly dependents: number[][] = [];
  private readonly heap: number[] = [];
  private taken = 0;

  constructor(
    private readonly selected: Stage[],
    upstream: ReadonlyMap<string, readonly string[]>,
  ) {
    selected.forEach((s, i) => this.order.set(s.name, i));
    selected.forEach((s, i) => {
      let n = 0;
      for (const u of upstream.get(s.name) ?? []) {
        const j = this.order.get(u);
        if (j === undefined) continue;
        n++;
        (this.dependents[j] ??= []).push(i);
      }
      this.remaining[i] = n;
      if (n === 0) this.heap.push(i); // pushed in increasing order: already a heap
    });
  }

  get size(): number {
    return this.heap.length;
  }

  /** How many stages were taken so far. */
  get started(): number {
    return this.taken;
  }

  /** The first ready stage in selection order, or undefined. */
  take(): Stage | undefined {
    const i = pop(this.heap);
    if (i === undefined) return undefined;
    this.taken++;
    return this.selected[i];
  }

  /** `name` finished (whatever its result): its dependents with nothing left upstream become ready. */
  done(name: string): void {
    const i = this.order.get(name);
    if (i === undefined) return;
    for (const d of this.dependents[i] ?? []) if (--this.remaining[d]! === 0) push(this.heap, d);
  }
}

function push(a: number[], x: number): void {
  a.push(x);
  for (let i = a.length - 1; i > 0;) {
    const p = (i - 1) >> 1;
    if (a[p]! <= a[i]!) break;
    [a[p], a[i]] = [a[i]!, a[p]!];
    i = p;
  }
}

function pop(a: number[]): number | undefined {
  if (a.length === 0) return undefined;
  const top = a[0]!;
  const last = a.pop()!;
  if (a.length > 0) {
    a[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]! < a[m]!) m = l;
      if (r < a.length && a[r]! < a[m]!) m = r;
      if (m === i) break;
      [a[m], a[i]] = [a[i]!, a[m]!];
      i = m;
    }
  }
  return top;
}
