import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { parseYaml } from '../core/yaml.js';
import { memoParse } from '../core/memo.js';

/**
 * `.exprc`: project configuration (YAML, committed). Every key and its default is documented in
 * `.exprc.example`; keep the two in step. Unknown keys are errors so a typo is not silently ignored.
 */
export interface Config {
  cache: { dir: string; link: ('reflink' | 'hardlink' | 'symlink' | 'copy')[] };
  run: { jobs: number; record: boolean };
  env: { tools: string[] };
  remote: { url: string | null };
}

export const CONFIG_FILE = '.exprc';

export function defaultConfig(): Config {
  return {
    cache: { dir: '.repro/cache', link: ['reflink', 'copy'] },
    run: { jobs: 1, record: true },
    env: { tools: [] },
    remote: { url: null },
  };
}

const LINKS = new Set(['reflink', 'hardlink', 'symlink', 'copy']);

export async function readConfig(root: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(join(root, CONFIG_FILE), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return defaultConfig();
    throw e;
  }
  return memoParse(join(root, '.repro'), 'exprc', text, () => parseConfig(text));
}

export function parseConfig(text: string): Config {
  const cfg = defaultConfig();
  const raw = parseYaml(text, CONFIG_FILE);
  if (raw === null || raw === undefined) return cfg;
  const bad = (key: string, want: string): ReproError =>
    new ReproError('E_CONFIG', `invalid value for '${key}' (expected ${want}): '${CONFIG_FILE}'`, {
      hint: `see .exprc.example for every key and its default`,
    });
  const sections = asMap(raw, '', bad);
  for (const [section, body] of Object.entries(sections)) {
    const m = asMap(body ?? {}, section, bad);
    for (const [k, v] of Object.entries(m)) {
      const key = `${section}.${k}`;
      switch (key) {
        case 'cache.dir':
          if (typeof v !== 'string' || v === '') throw bad(key, 'a path');
          cfg.cache.dir = v;
          break;
        case 'cache.link': {
          const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
          if (!Array.isArray(list) || list.length === 0 || !list.every((x) => LINKS.has(x as string))) {
            throw bad(key, 'a list of reflink, hardlink, symlink, copy');
          }
          cfg.cache.link = list as Config['cache']['link'];
          break;
        }
        case 'run.jobs':
          if (!Number.isInteger(v) || (v as number) < 1) throw bad(key, 'a positive integer');
          cfg.run.jobs = v as number;
          break;
        case 'run.record':
          if (typeof v !== 'boolean') throw bad(key, 'true or false');
          cfg.run.record = v;
          break;
        case 'env.tools':
          if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(key, 'a list of commands');
          cfg.env.tools = v as string[];
          break;
        case 'remote.url':
          if (v !== null && typeof v !== 'string') throw bad(key, 'a URL or a path');
          cfg.remote.url = v as string | null;
          break;
        default:
          throw new ReproError('E_UNKNOWN_KEY', `unknown key '${key}': '${CONFIG_FILE}'`, {
            hint: `known keys: cache.dir, cache.link, run.jobs, run.record, env.tools, remote.url`,
          });
      }
    }
  }
  return cfg;
}

function asMap(v: unknown, key: string, bad: (k: string, w: string) => ReproError): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(key || '(top level)', 'a mapping');
  return v as Record<string, unknown>;
}
