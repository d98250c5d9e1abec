import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { isErrno, isReproError } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import { parseYaml } from '../../core/yaml.js';
import { flattenParams } from '../../compare/index.js';
import { LOCK_FILE, parseLock, type LockFile } from '../../lock/index.js';
import { loadPipeline, parsePipeline, PIPELINE_FILE, type OutKind, type Pipeline } from '../../pipeline/index.js';
import { listTreeFiles, readCommitFile, type RepoInfo } from '../../record/index.js';
import { parseMetricData, parsePlotData, type MetricData } from '../metrics/parse.js';

/**
 * The files one side of a comparison is read from: the workspace on disk, or a commit's tree
 * (a revision or a run commit). Everything here reads through a FileSource, so the two kinds of
 * side are read the same way.
 */
export interface FileSource {
  /** Text of a repo-relative file; null when it does not exist (or is a directory). */
  read(path: string): Promise<string | null>;
  /** The same file's bytes, as repro.lock hashes them. */
  bytes(path: string): Promise<Uint8Array | null>;
  /** The files under a directory, repo-relative and sorted; null when `dir` is no directory (or empty). */
  list(dir: string): Promise<string[] | null>;
}

export function workspaceSource(root: string): FileSource {
  const bytes = async (path: string): Promise<Uint8Array | null> => {
    try {
      return await readFile(absPath(root, path));
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'EISDIR') || isErrno(e, 'ENOTDIR')) return null;
      throw e;
    }
  };
  const list = async (dir: string): Promise<string[] | null> => {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(absPath(root, rel), { withFileTypes: true });
      } catch (e) {
        if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return;
        throw e;
      }
      for (const d of entries) {
        const p = `${rel}/${d.name}`;
        if (d.isDirectory()) await walk(p);
        else if (d.isFile()) out.push(p); // a symlink is not followed out of the output
      }
    };
    await walk(dir);
    return out.length ? out.sort() : null;
  };
  return { bytes, list, read: async (path) => decode(await bytes(path)) };
}

export function treeSource(repo: RepoInfo, commit: string): FileSource {
  const bytes = (path: string): Promise<Uint8Array | null> => readCommitFile(repo, commit, path);
  let files: Promise<string[]> | undefined; // the whole tree, listed once per side and only when a directory is asked for
  const list = async (dir: string): Promise<string[] | null> => {
    files ??= listTreeFiles(repo, commit).then((fs) => fs.filter((f) => f.mode.startsWith('100')).map((f) => f.path));
    const under = (await files).filter((f) => f.startsWith(`${dir}/`)).sort();
    return under.length ? under : null;
  };
  return { bytes, list, read: async (path) => decode(await bytes(path)) };
}

/** A side with no files at all: HEAD of a repository without commits. */
export function emptySource(): FileSource {
  return { read: async () => null, bytes: async () => null, list: async () => null };
}

function decode(b: Uint8Array | null): string | null {
  return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : null;
}

/** A problem found while reading a side, shown as a marked row or a note instead of failing. */
export interface SideProblem {
  /** a path, or "path:key" for one metric */
  key: string;
  message: string;
  /** the offending value as text (a non-numeric metric) */
  value?: string;
}

/**
 * The pipeline as the side declares it; null without repro.yaml. The workspace's is loaded as
 * `repro run` loads it (errors propagate); a revision's is parsed from its tree, params files
 * read from the same tree, and a parse error becomes a problem.
 */
export async function sidePipeline(src: FileSource, root: string, workspace: boolean, problems: SideProblem[]): Promise<Pipeline | null> {
  const text = await src.read(PIPELINE_FILE);
  if (text === null) return null;
  if (workspace) return loadPipeline(root);
  const loaded = new Map<string, unknown>();
  for (let pass = 0; pass < 8; pass++) {
    const missing = new Set<string>();
    const readParams = (f: string): unknown => {
      if (loaded.has(f)) return loaded.get(f);
      missing.add(f);
      return undefined;
    };
    try {
      const p = parsePipeline(text, PIPELINE_FILE, { root, readParams });
      if (missing.size === 0) return p;
    } catch (e) {
      if (!isReproError(e)) throw e;
      if (missing.size === 0) {
        problems.push({ key: PIPELINE_FILE, message: `${PIPELINE_FILE} could not be read: ${e.message}` });
        return null;
      }
    }
    for (const f of missing) {
      const t = await src.read(f);
      loaded.set(f, t === null ? undefined : (parseData(t, f, problems) ?? {}));
    }
  }
  problems.push({ key: PIPELINE_FILE, message: `${PIPELINE_FILE} names too many params files to resolve` });
  return null;
}

/** repro.lock of the side; null when there is none (or it cannot be read: a problem). */
export async function sideLock(src: FileSource, problems: SideProblem[]): Promise<LockFile | null> {
  const text = await src.read(LOCK_FILE);
  if (text === null) return null;
  try {
    return parseLock(text);
  } catch (e) {
    if (!isReproError(e)) throw e;
    problems.push({ key: LOCK_FILE, message: e.message });
    return null;
  }
}

/** Paths of one kind of output, from the pipeline, else from the lock's recorded `outs`. */
export function outPaths(pipeline: Pipeline | null, lock: LockFile | null, kind: OutKind): string[] {
  if (pipeline) return pipeline.stages.flatMap((s) => s.outs.filter((o) => o.kind === kind).map((o) => o.path));
  const out = new Set<string>();
  for (const e of Object.values(lock?.stages ?? {})) for (const [p, k] of Object.entries(e.outs ?? {})) if (k === kind) out.add(p);
  return [...out].sort();
}

/** Params files as "file:dotted.key" → value: every file the pipeline reads, and params.yaml. */
export async function readSideParams(
  src: FileSource,
  pipeline: Pipeline | null,
  problems: SideProblem[],
): Promise<Record<string, unknown>> {
  const files = new Set<string>(['params.yaml', ...(pipeline ? pipeline.paramsData.keys() : [])]);
  const out: Record<string, unknown> = {};
  for (const file of [...files].sort()) {
    const text = await src.read(file);
    if (text === null) continue;
    const data = parseData(text, file, problems);
    if (data === undefined || data === null || typeof data !== 'object' || Array.isArray(data)) continue;
    for (const [k, v] of flattenParams(data as Record<string, unknown>)) out[`${file}:${k}`] = v;
  }
  return out;
}

/** The metrics files of a side: each one's content hash (null: absent), and the data of those that parse. */
export interface MetricFiles {
  hashes: Map<string, string | null>;
  data: Map<string, MetricData>;
}

/** Each metrics file that exists and parses; a file that does not parse is a problem. */
export async function readMetricFiles(src: FileSource, paths: string[], problems: SideProblem[]): Promise<MetricFiles> {
  const out = new Map<string, MetricData>();
  const hashes = new Map<string, string | null>();
  for (const path of paths) {
    const bytes = await src.bytes(path);
    hashes.set(path, bytes ? createHash('sha256').update(bytes).digest('hex') : null);
    if (bytes === null) continue;
    try {
      const data = parseMetricData(decode(bytes)!, path);
      out.set(path, data);
      for (const [k, v] of Object.entries(data.nonNumeric)) problems.push({ key: `${path}:${k}`, message: 'not a number', value: v });
    } catch (e) {
      if (!isReproError(e)) throw e;
      problems.push({ key: path, message: e.message });
    }
  }
  return { hashes, data: out };
}

/** Numeric columns of the plots files: "path:column" (or "path" for a bare list) → values. */
export async function readPlots(src: FileSource, paths: string[], problems: SideProblem[]): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const path of await plotFiles(src, paths)) {
    const text = await src.read(path);
    if (text === null) continue;
    try {
      for (const [col, values] of Object.entries(parsePlotData(text, path))) out[col === '' ? path : `${path}:${col}`] = values;
    } catch (e) {
      if (!isReproError(e)) throw e;
      problems.push({ key: path, message: e.message });
    }
  }
  return out;
}

/** Files in a plots directory that hold data (parsePlotData); images and the like are compared by content only. */
const PLOT_DATA = /\.(csv|tsv|json|ya?ml)$/i;

/**
 * The plots files of `paths`, a plots directory (`plots: [plots/rf/]`) standing for each data file
 * in it, so every file is compared; a file path stays as it is (absent files included).
 */
export async function plotFiles(src: FileSource, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if ((await src.bytes(p)) !== null) out.push(p);
    else out.push(...((await src.list(p)) ?? [p]).filter((f) => f === p || PLOT_DATA.test(f)));
  }
  return out;
}

/** Each plots directory of the side: file path → sha256 of its content (every file, data or not). */
export async function readPlotDirs(src: FileSource, paths: string[]): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const dir of paths) {
    if ((await src.bytes(dir)) !== null) continue;
    const files = await src.list(dir);
    if (!files) continue;
    const hashes: Record<string, string> = {};
    for (const f of files) {
      const b = await src.bytes(f);
      if (b) hashes[f] = createHash('sha256').update(b).digest('hex');
    }
    out[dir] = hashes;
  }
  return out;
}

/** Dependency lock files looked for at the root even when `locks:` does not name them. */
const WELL_KNOWN_LOCKS = [
  'requirements.txt',
  'requirements-dev.txt',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'poetry.lock',
  'uv.lock',
  'Pipfile.lock',
  'Cargo.lock',
];

/** path → text of the dependency lock files the side has: `locks:`, those keyed in repro.lock, well-known names. */
export async function readDependencyLocks(
  src: FileSource,
  pipeline: Pipeline | null,
  lock: LockFile | null,
): Promise<Record<string, string>> {
  const paths = new Set<string>([...(pipeline?.locks ?? []), ...WELL_KNOWN_LOCKS]);
  for (const e of Object.values(lock?.stages ?? {})) for (const p of Object.keys(e.locks ?? {})) paths.add(p);
  const out: Record<string, string> = {};
  for (const p of [...paths].sort()) {
    const text = await src.read(p);
    if (text !== null) out[p] = text;
  }
  return out;
}

function parseData(text: string, file: string, problems: SideProblem[]): unknown {
  try {
    const v = parseYaml(text, file);
    return v === null ? {} : v;
  } catch (e) {
    if (!isReproError(e)) throw e;
    problems.push({ key: file, message: `not JSON or YAML: ${e.message}` });
    return undefined;
  }
}
