import { readFile } from 'node:fs/promises';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { ReproError, isErrno, type SourcePos } from '../core/errors.js';
import { decodeText } from '../core/text.js';
import { parseYamlTree, treeToData, type PNode } from '../core/yaml.js';
import { memoParse } from '../core/memo.js';
import { closest, didYouMean } from '../core/suggest.js';

/**
 * `.exprc`: project configuration (YAML, committed). Every key and its default is documented in
 * `.exprc.example`; keep the two in step. Unknown keys are errors so a typo is not silently ignored.
 */
export interface Config {
  cache: { dir: string; link: ('reflink' | 'hardlink' | 'symlink' | 'copy')[] };
  run: { jobs: number; record: boolean; source_date_epoch: boolean };
  env: { tools: string[] };
  remote: { url: string | null; default: string | null };
}

export const CONFIG_FILE = '.exprc';

export function defaultConfig(): Config {
  return {
    cache: { dir: '.repro/cache', link: ['reflink', 'copy'] },
    run: { jobs: 1, record: true, source_date_epoch: true },
    env: { tools: [] },
    remote: { url: null, default: null },
  };
}

const LINKS = new Set(['reflink', 'hardlink', 'symlink', 'copy']);

/** Every section and its keys, in `.exprc.example` order. */
const KEYS: Record<string, readonly string[]> = {
  cache: ['dir', 'link'],
  run: ['jobs', 'record', 'source_date_epoch'],
  env: ['tools'],
  remote: ['url', 'default'],
};
const ALL_KEYS = Object.entries(KEYS).flatMap(([s, ks]) => ks.map((k) => `${s}.${k}`));
const BY_LEAF = new Map(ALL_KEYS.map((k) => [k.slice(k.indexOf('.') + 1), k]));
const EXAMPLE_HINT = 'see .exprc.example for every key and its default';

export async function readConfig(root: string): Promise<Config> {
  let text: string;
  try {
    text = decodeText(await readFile(join(root, CONFIG_FILE)), CONFIG_FILE);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return defaultConfig();
    throw e;
  }
  return memoParse(join(root, '.repro'), 'exprc', text, () => parseConfig(text));
}

/** `.exprc` text → Config; every error names `.exprc:LINE:COL`. */
export function parseConfig(text: string): Config {
  const cfg = defaultConfig();
  const tree = parseYamlTree(text, CONFIG_FILE);
  if (tree === null) return cfg;
  if (tree.kind !== 'map') {
    throw new ReproError('E_CONFIG', `${CONFIG_FILE} must be a map of sections, not ${kindName(tree)}`, {
      pos: tree.pos,
      hint: EXAMPLE_HINT,
    });
  }
  for (const section of tree.entries) {
    if (section.key === 'remotes') continue; // named remotes: validated by ops/remote/config.ts
    const keys = KEYS[section.key];
    if (!keys) throw unknownKey(section.key, section.keyPos, Object.keys(KEYS));
    const body = section.value;
    if (body.kind === 'scalar' && body.value === null) continue; // `run:` with nothing under it: the defaults
    if (body.kind !== 'map') throw bad(section.key, 'a mapping', body);
    for (const e of body.entries) {
      const key = `${section.key}.${e.key}`;
      if (!keys.includes(e.key))
        throw unknownKey(
          key,
          e.keyPos,
          keys.map((k) => `${section.key}.${k}`),
        );
      setKey(cfg, key, e.value);
    }
  }
  return cfg;
}

function setKey(cfg: Config, key: string, n: PNode): void {
  const v = treeToData(n);
  switch (key) {
    case 'cache.dir':
      if (typeof v !== 'string' || v === '') throw bad(key, 'a path', n);
      cfg.cache.dir = checkCacheDir(v, n);
      return;
    case 'cache.link': {
      const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
      if (!Array.isArray(list) || list.length === 0 || !list.every((x) => LINKS.has(x as string))) {
        // Point at the offending list item when there is one.
        const item = n.kind === 'seq' ? n.items.find((i) => !(i.kind === 'scalar' && LINKS.has(i.value as string))) : undefined;
        throw bad(key, 'a list of reflink, hardlink, symlink, copy', item ?? n);
      }
      cfg.cache.link = list as Config['cache']['link'];
      return;
    }
    case 'run.jobs':
      if (!Number.isInteger(v) || (v as number) < 1) throw bad(key, 'a positive integer', n);
      cfg.run.jobs = v as number;
      return;
    case 'run.record':
      if (typeof v !== 'boolean') throw bad(key, 'true or false', n);
      cfg.run.record = v;
      return;
    case 'run.source_date_epoch':
      if (typeof v !== 'boolean') throw bad(key, 'true or false', n);
      cfg.run.source_date_epoch = v;
      return;
    case 'env.tools':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(key, 'a list of commands', n);
      cfg.env.tools = v as string[];
      return;
    case 'remote.url':
      if (v !== null && typeof v !== 'string') throw bad(key, 'a URL or a path', n);
      cfg.remote.url = v as string | null;
      return;
    case 'remote.default':
      if (v !== null && typeof v !== 'string') throw bad(key, 'a remote name', n);
      cfg.remote.default = v as string | null;
      return;
  }
}

/**
 * `cache.dir`: relative to the repository root and inside it, or absolute (a cache shared by
 * several repositories or users on one machine; see `cacheDirOf`). A relative path that climbs
 * out with `..` is refused: it would put the cache somewhere nobody chose.
 */
function checkCacheDir(v: string, n: PNode): string {
  if (isAbsolute(v)) return v;
  const norm = posix.normalize(v.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../')) {
    throw new ReproError('E_CONFIG', `cache.dir leaves the repository: '${v}'`, {
      pos: n.pos,
      hint: 'use a path inside the repository, or an absolute path for a cache shared between repositories',
    });
  }
  if (norm === '.' || norm === '.git' || norm.startsWith('.git/')) {
    throw new ReproError('E_CONFIG', `cache.dir cannot be ${norm === '.' ? 'the repository root' : 'inside .git'}: '${v}'`, {
      pos: n.pos,
      hint: 'the default is .repro/cache',
    });
  }
  return norm;
}

/** Where the object store lives: `cache.dir` resolved against the root (an absolute one as is). */
export function cacheDirOf(root: string, config: Config): string {
  return resolve(root, config.cache.dir);
}

/** An absolute `cache.dir` is a shared store: its directories are made group-writable (cache/objects.ts). */
export function cacheIsShared(config: Config): boolean {
  return isAbsolute(config.cache.dir);
}

function bad(key: string, want: string, n: PNode): ReproError {
  const got = n.kind === 'scalar' ? `'${String(n.value)}'` : kindName(n);
  return new ReproError('E_CONFIG', `invalid value for '${key}' (expected ${want}): ${got}`, { pos: n.pos, hint: EXAMPLE_HINT });
}

/**
 * An unknown key, with the nearest of `near` as the hint, else the nearest key anywhere (a key in
 * the wrong section, or a section's key written at the top: `jobs: 4` → `run.jobs`).
 */
function unknownKey(key: string, pos: SourcePos, near: readonly string[]): ReproError {
  const leaf = closest(key.slice(key.lastIndexOf('.') + 1), BY_LEAF.keys());
  const hint =
    didYouMean(key, near) ??
    didYouMean(key, ALL_KEYS) ??
    (leaf !== undefined ? `did you mean '${BY_LEAF.get(leaf)}'?` : `known keys: ${ALL_KEYS.join(', ')}`);
  return new ReproError('E_UNKNOWN_KEY', `unknown key '${key}' in ${CONFIG_FILE}`, { pos, hint });
}

function kindName(n: PNode): string {
  return n.kind === 'map' ? 'a map' : n.kind === 'seq' ? 'a list' : `'${String(n.value)}'`;
}
