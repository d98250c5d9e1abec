/**
 * Run `fn` over `items`, `jobs` at a time. Stops taking new items at the first error (which is
 * rethrown once every call in flight has settled, so nothing runs on behind the caller) or when
 * `signal` aborts (then resolves with `false`: interrupted).
 */
export async function runPool<T>(
  items: readonly T[],
  jobs: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<boolean> {
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && !signal?.aborted && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  if (failure) throw failure.e;
  return !signal?.aborted || next >= items.length;
}
