/** A counting semaphore: at most `n` holders at once, waiters served first come, first served. */
export class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(n: number) {
    this.free = n;
  }

  /** Resolves with a release function once a slot is free. Call release exactly once. */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((res) => this.waiters.push(res));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    };
  }
}
