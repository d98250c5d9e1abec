import { createRequire } from 'node:module';

/**
 * Node modules loaded at their first use instead of when the module naming them is evaluated.
 * Each costs start-up 1-3 ms (Node compiles its own JavaScript for it), and most commands that
 * evaluate the modules using them never call them: a push or fetch without worker threads, a
 * command that writes no Git pack. The type is the module's own.
 */
const load = createRequire(import.meta.url);
let workers: typeof import('node:worker_threads') | undefined;
let zlib: typeof import('node:zlib') | undefined;

export const workerThreads = (): typeof import('node:worker_threads') => (workers ??= load('node:worker_threads'));
export const zlibModule = (): typeof import('node:zlib') => (zlib ??= load('node:zlib'));
