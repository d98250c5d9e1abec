import { expect } from 'vitest';
import { isReproError, type ErrorCode, type ReproError } from '../../src/core/errors.js';

/**
 * The ReproError that `fn` throws, or that the promise it returns (or `fn` itself, a promise)
 * rejects with; fails the test, naming what happened instead, when there is none. Sync for a
 * sync `fn`, a promise for an async one. `what` names the case in a failure (in a loop, say):
 *
 *   const e = reproError(() => parse(text));
 *   const e = await reproError(() => loadPipeline(dir));
 */
export function reproError(fn: Promise<unknown> | (() => Promise<unknown>), what?: string): Promise<ReproError>;
export function reproError(fn: () => unknown, what?: string): ReproError;
export function reproError(fn: Promise<unknown> | (() => unknown), what?: string): ReproError | Promise<ReproError> {
  const label = what === undefined ? '' : `${what}: `;
  let result: unknown;
  try {
    result = typeof fn === 'function' ? fn() : fn;
  } catch (e) {
    return check(e, label);
  }
  if (result instanceof Promise) {
    return result.then(
      () => expect.fail(`${label}expected a ReproError, the promise resolved`),
      (e: unknown) => check(e, label),
    );
  }
  return expect.fail(`${label}expected a ReproError, nothing was thrown`);
}

/** reproError(fn), asserting its code: `expectCode(() => parse(text), 'E_CONFIG')`. */
export function expectCode(fn: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode, what?: string): Promise<ReproError>;
export function expectCode(fn: () => unknown, code: ErrorCode, what?: string): ReproError;
export function expectCode(fn: Promise<unknown> | (() => unknown), code: ErrorCode, what?: string): ReproError | Promise<ReproError> {
  const has = (e: ReproError): ReproError => {
    expect(e.code, `${what === undefined ? '' : `${what}: `}${e.message}`).toBe(code);
    return e;
  };
  const e = reproError(fn as () => unknown, what) as ReproError | Promise<ReproError>;
  return e instanceof Promise ? e.then(has) : has(e);
}

function check(e: unknown, label: string): ReproError {
  if (!isReproError(e)) expect.fail(`${label}expected a ReproError, got ${e instanceof Error ? e.stack : String(e)}`);
  return e;
}
