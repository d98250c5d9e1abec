import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { absPath, toRepoPath } from '../core/paths.js';
import { decodeText } from '../core/text.js';
import { parseYamlData } from '../core/yaml.js';
import { DEFAULT_PARAMS } from './fields.js';
import { ParseMemo } from './memo.js';
import { setParam } from './params.js';
import { parsePipeline } from './parse.js';
import { SymlinkGuard } from './symlinks.js';
import type { Pipeline } from './types.js';

/**
 * The disk side of pipeline loading: read `repro.yaml` and the params files, check every named
 * path for symlink escapes, and memoise YAML parses in `.repro/` (see memo.ts).
 */

export const PIPELINE_FILE = 'repro.yaml';

export interface LoadOptions {
  /** Pipeline file relative to the root (default `repro.yaml`). */
  file?: string;
  /**
   * Param overrides applied in memory to params files as read (`-S`): `dotted.key` for the
   * default params file, `file.yaml:dotted.key` for another. Nothing is written.
   */
  overrides?: Record<string, unknown>;
  /** Replaces every seed that is not `false` (`repro run --seed N`). */
  seed?: number;
}

/** Read and validate `<root>/repro.yaml`. A missing file is `E_NOT_FOUND`. */
export async function loadPipeline(root: string, opts: LoadOptions = {}): Promise<Pipeline> {
  const absRoot = resolve(root);
  const file = toRepoPath(opts.file ?? PIPELINE_FILE);
  let text: string;
  try {
    text = decodeText(await readFile(absPath(absRoot, file)), file);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
    throw new ReproError('E_NOT_FOUND', `no pipeline file '${file}' in '${absRoot}'`, {
      hint: 'run `repro init` to create one, or pass -C DIR',
    });
  }
  const memo = await ParseMemo.open(absRoot);
  const guard = new SymlinkGuard(absRoot);
  const p = parsePipeline(text, file, {
    root: absRoot,
    readParams: paramsReader(absRoot, { overrides: opts.overrides, guard, memo }),
    checkPath: (rel, pos) => guard.check(rel, pos),
    pathKind: (rel) => pathKind(absRoot, rel),
    seed: opts.seed,
    memo,
  });
  await memo.save();
  return p;
}

/** What `rel` is on disk, following symlinks (those leading out are rejected before this). */
function pathKind(root: string, rel: string): 'dir' | 'file' | 'missing' {
  try {
    return statSync(absPath(root, rel)).isDirectory() ? 'dir' : 'file';
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return 'missing';
    throw e;
  }
}

/**
 * Parse a params file's text; JSON is YAML, so `.json` files read the same way. Values JSON
 * cannot hold (`.inf`, `.nan`) are errors at their line:col here, not later when hashed.
 */
function parseParamsText(text: string, file: string): unknown {
  const v = parseYamlData(text, file);
  return v === null ? {} : v; // an empty params file holds no params, not "null"
}

/** Parsed content of a repo-relative params file, or undefined when it does not exist. */
export async function readParamsFile(root: string, file: string): Promise<unknown | undefined> {
  try {
    return parseParamsText(decodeText(await readFile(absPath(root, file)), file), file);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/**
 * A synchronous, caching params reader for `parsePipeline` and `resolveParamValues`: each file is
 * read and parsed once per reader, checked for symlink escapes, and has `overrides` applied.
 * Make a new reader to see changes on disk.
 */
export function paramsReader(
  root: string,
  opts: { overrides?: Record<string, unknown>; guard?: SymlinkGuard; memo?: ParseMemo } = {},
): (file: string) => unknown {
  const cache = new Map<string, unknown>();
  const guard = opts.guard ?? new SymlinkGuard(root);
  const memo = opts.memo ?? ParseMemo.inMemory();
  const byFile = new Map<string, [string, unknown][]>();
  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    const colon = k.lastIndexOf(':');
    const file = colon > 0 ? toRepoPath(k.slice(0, colon)) : DEFAULT_PARAMS;
    const key = colon > 0 ? k.slice(colon + 1) : k;
    byFile.set(file, [...(byFile.get(file) ?? []), [key, v]]);
  }
  return (file: string) => {
    if (cache.has(file)) return cache.get(file);
    guard.check(file);
    let content: unknown;
    try {
      const text = decodeText(readFileSync(absPath(root, file)), file);
      content = memo.data(text, () => parseParamsText(text, file));
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    for (const [key, v] of byFile.get(file) ?? []) content = setParam(content, key, v);
    cache.set(file, content);
    return content;
  };
}
