import { MinHeap } from '../../core/sorted.js';
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
  private readonly heap = new MinHeap();
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
      if (n === 0) this.heap.push(i);
    });
  }

  get size(): number {
    return this.heap.size;
  }

  /** How many stages were taken so far. */
  get started(): number {
    return this.taken;
  }

  /** The first ready stage in selection order, or undefined. */
  take(): Stage | undefined {
    const i = this.heap.pop();
    if (i === undefined) return undefined;
    this.taken++;
    return this.selected[i];
  }

  /** `name` finished (whatever its result): its dependents with nothing left upstream become ready. */
  done(name: string): void {
    const i = this.order.get(name);
    if (i === undefined) return;
    for (const d of this.dependents[i] ?? []) if (--this.remaining[d]! === 0) this.heap.push(d);
  }
}
