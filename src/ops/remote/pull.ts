import { checkout, type CheckoutResult } from '../checkout.js';
import { fetch, type FetchOptions, type FetchReport } from './fetch.js';

export interface PullReport {
  fetch: FetchReport;
  /** null when the fetch was interrupted or found corrupt objects: the workspace is left alone. */
  checkout: CheckoutResult | null;
}

/** `repro pull`: fetch, then checkout the workspace from the cache (the named stages only). */
export async function pull(
  opts: FetchOptions & { onStale?: (pid: number) => void; onNotice?: (text: string) => void },
): Promise<PullReport> {
  const f = await fetch(opts);
  if (f.interrupted) return { fetch: f, checkout: null };
  const c = await checkout({ cwd: opts.cwd, targets: opts.stages, signal: opts.signal, onStale: opts.onStale, onNotice: opts.onNotice });
  return { fetch: f, checkout: c };
}
