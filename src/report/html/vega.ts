import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { ReproError, isErrno } from '../../core/errors.js';

/**
 * The Vega libraries, as text to inline into a self-contained HTML file. The one module that
 * knows about them: their UMD builds are read from node_modules when a page is rendered (no other
 * command loads them, and nothing is fetched at view time). The globals they define: `vega`,
 * `vegaLite`, `vegaEmbed`, loaded in that order.
 */
export interface VegaLibs {
  scripts: { name: string; version: string; text: string }[];
}

const FILES = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
] as const;

let cached: Promise<VegaLibs> | undefined;

export function readVegaLibs(): Promise<VegaLibs> {
  cached ??= load();
  return cached;
}

async function load(): Promise<VegaLibs> {
  const require = createRequire(import.meta.url);
  const scripts: VegaLibs['scripts'] = [];
  for (const [name, file] of FILES) {
    try {
      const dir = packageDir(require.resolve(name), name);
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
      scripts.push({ name, version: pkg.version, text: await readFile(join(dir, file), 'utf8') });
    } catch (e) {
      if (!isErrno(e, 'ENOENT') && (e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
      throw new ReproError('E_CONFIG', `the charting library '${name}' is not installed: '${name}/${file}'`, {
        hint: 'reinstall repro with its dependencies (npm ci)',
      });
    }
  }
  return { scripts };
}

/** The directory of package `name`: `…/node_modules/<name>` above its entry point (`exports` may hide package.json). */
function packageDir(entry: string, name: string): string {
  const marker = `${sep}node_modules${sep}${name}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw Object.assign(new Error(`'${name}' resolved outside node_modules: ${entry}`), { code: 'MODULE_NOT_FOUND' });
  return entry.slice(0, at + marker.length - 1);
}
