import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { isReproError, type ErrorCode } from '../../src/core/errors.js';
import { parsePipeline } from '../../src/pipeline/index.js';
import type { Pipeline } from '../../src/pipeline/types.js';

/** Parse `yaml` as repro.yaml with in-memory params files (`{ 'params.yaml': {...} }`). */
export function parse(yaml: string, params: Record<string, unknown> = {}): Pipeline {
  return parsePipeline(yaml, 'repro.yaml', { root: '/repo', readParams: (f) => params[f] });
}

/** The ReproError `fn` throws; fails the test when it throws nothing or something else. */
export function errorOf(fn: () => unknown): { code: ErrorCode; pos?: { line: number; col: number }; hint?: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (!isReproError(e)) throw e;
    return { code: e.code, pos: e.pos && { line: e.pos.line, col: e.pos.col }, hint: e.hint, message: e.message };
  }
  expect.fail('expected a ReproError');
}

export async function rejectionOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (!isReproError(e)) throw e;
    return { code: e.code, pos: e.pos, hint: e.hint, message: e.message };
  }
  expect.fail('expected a ReproError');
}

/** A fresh temp directory holding `files` (path → content). */
export async function tmpRepo(files: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'repro-pipeline-'));
  for (const [p, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), content);
  }
  return root;
}

/** Stage names in order. */
export const names = (p: Pipeline | { name: string }[]) => ('stages' in p ? p.stages : p).map((s) => s.name);
