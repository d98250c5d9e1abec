/**
 * One 'abort' listener per AbortSignal, fanned out to many callbacks. A run hands the same
 * signal to every stage, and up to all of them wait at once (queued in repro-spawner): node's
 * EventTarget checks every registered listener on each add and remove, which made 200 stages
 * cost 200 x 200 comparisons. Callbacks run once, in registration order.
 */
const fans = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` when `signal` aborts (now, if it already has). Returns the unsubscribe. */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let fan = fans.get(signal);
  if (!fan) {
    const set = new Set<() => void>();
    fan = set;
    fans.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const f of [...set]) f();
        set.clear();
      },
      { once: true },
    );
  }
  fan.add(fn);
  const set = fan;
  return () => {
    set.delete(fn);
  };
}
