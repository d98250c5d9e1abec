/** Small ordered-collection helpers shared by the DAG build, the run scheduler and the statistics. */

/** Index of the first element of sorted `arr` that is ≥ `x`. */
export function lowerBound<T extends string | number>(arr: readonly T[], x: T): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A binary min-heap of numbers: O(log n) push and pop. */
export class MinHeap {
  private a: number[] = [];

  get size(): number {
    return this.a.length;
  }

  push(x: number): void {
    const a = this.a;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  /** The smallest element, removed; undefined when empty. */
  pop(): number | undefined {
    const a = this.a;
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
}

/**
 * Repo-relative paths (declared outputs), sorted, to find those that overlap a path (inside it,
 * or holding it) in O(path depth + log paths + matches) instead of comparing it with every one:
 * the stage graph, verify's deps and the scheduler's missing deps ask for every dep, and at
 * 10,000 stages those scans were quadratic.
 */
export class PathIndex {
  private readonly sorted: string[];
  private readonly set: Set<string>;

  constructor(outs: string[]) {
    this.sorted = [...outs].sort();
    this.set = new Set(outs);
  }

  has(path: string): boolean {
    return this.set.has(path);
  }

  /** Outputs `o` with isWithin(path, o) or isWithin(o, path), in sorted order. */
  overlapping(path: string): string[] {
    const found: string[] = [];
    if (path === '') return [...this.sorted]; // the repository root holds every output
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const a = path.slice(0, i);
      if (this.set.has(a)) found.push(a);
    }
    if (this.set.has(path)) found.push(path);
    const prefix = path + '/';
    for (let i = lowerBound(this.sorted, prefix); i < this.sorted.length && this.sorted[i]!.startsWith(prefix); i++)
      found.push(this.sorted[i]!);
    return found.sort();
  }
}
