/**
 * Package versions out of dependency lock files, simply: enough to say which packages changed
 * version between two commits, not a full parser of each format.
 *
 * - requirements*.txt: `name==1.2` (→ "1.2"), other specifiers kept as written (`>=1.0`),
 *   extras and environment markers dropped, names normalised as PEP 503 does; `-r`, `-e`,
 *   options and URLs are skipped.
 * - package-lock.json / npm-shrinkwrap.json: lockfile v2/v3 `packages` (a nested copy is named
 *   by its path, `a/node_modules/b`), else v1 `dependencies`, recursively.
 * - poetry.lock, uv.lock, Cargo.lock: `[[package]]` tables with `name = "…"` and `version = "…"`.
 * - Pipfile.lock: `default` and `develop` (`"version": "==1.2"`).
 * - yarn.lock (v1 and berry): each entry's `version`, named by its first specifier.
 */

export type LockFormat = 'requirements' | 'npm' | 'toml-packages' | 'pipfile' | 'yarn';

export function lockFormat(path: string): LockFormat | null {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (/^requirements.*\.txt$/.test(base) || base.endsWith('.requirements.txt')) return 'requirements';
  if (base === 'package-lock.json' || base === 'npm-shrinkwrap.json') return 'npm';
  if (base === 'poetry.lock' || base === 'uv.lock' || base === 'cargo.lock' || base === 'pdm.lock') return 'toml-packages';
  if (base === 'pipfile.lock') return 'pipfile';
  if (base === 'yarn.lock') return 'yarn';
  return null;
}

/** name → version; null when the format is unknown or the text is not in it. */
export function parsePackageVersions(path: string, text: string): Map<string, string> | null {
  const format = lockFormat(path);
  try {
    switch (format) {
      case 'requirements':
        return requirements(text);
      case 'npm':
        return npm(JSON.parse(text));
      case 'toml-packages':
        return tomlPackages(text);
      case 'pipfile':
        return pipfile(JSON.parse(text));
      case 'yarn':
        return yarn(text);
      default:
        return null;
    }
  } catch (e) {
    if (e instanceof SyntaxError) return null;
    throw e;
  }
}

export interface PackageChange {
  name: string;
  a: string | null;
  b: string | null;
}

/** Packages added, removed or with another version, sorted by name. */
export function diffPackageVersions(a: Map<string, string>, b: Map<string, string>): PackageChange[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.map((name) => ({ name, a: a.get(name) ?? null, b: b.get(name) ?? null })).filter((c) => c.a !== c.b);
}

function requirements(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let line of text.split(/\r?\n/)) {
    line = line.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line.startsWith('-') || /^[a-z+]+:\/\//i.test(line)) continue;
    line = line.split(';')[0]!.trim(); // environment marker
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase().replace(/[-_.]+/g, '-');
    const spec = m[3]!.replace(/\s+/g, '').replace(/\\$/, '');
    const hashless = spec.split('--hash')[0]!;
    out.set(name, hashless.startsWith('==') ? hashless.slice(2) : hashless || '*');
  }
  return out;
}

function npm(data: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const d = data as { packages?: Record<string, { version?: string }>; dependencies?: Record<string, unknown> };
  if (d && typeof d.packages === 'object' && d.packages) {
    for (const [path, info] of Object.entries(d.packages)) {
      if (path === '' || !info || typeof info.version !== 'string') continue;
      out.set(path.replace(/^node_modules\//, ''), info.version);
    }
    return out;
  }
  const walk = (deps: unknown, prefix: string): void => {
    if (!deps || typeof deps !== 'object') return;
    for (const [name, info] of Object.entries(deps as Record<string, { version?: string; dependencies?: unknown }>)) {
      if (info && typeof info.version === 'string') out.set(prefix + name, info.version);
      walk(info?.dependencies, `${prefix}${name}/node_modules/`);
    }
  };
  walk(d?.dependencies, '');
  return out;
}

function tomlPackages(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let inPackage = false;
  let name: string | null = null;
  let version: string | null = null;
  const flush = (): void => {
    if (name !== null && version !== null) out.set(name, version);
    name = version = null;
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      if (line === '[[package]]') {
        flush();
        inPackage = true;
      } else if (!line.startsWith('[package.') && !line.startsWith('[[package.')) {
        flush();
        inPackage = false;
      } else {
        inPackage = false; // a sub-table of the package: its keys are not the package's
      }
      continue;
    }
    if (!inPackage) continue;
    const m = /^(name|version)\s*=\s*"([^"]*)"/.exec(line);
    if (m?.[1] === 'name') name = m[2]!;
    else if (m?.[1] === 'version') version = m[2]!;
  }
  flush();
  return out;
}

function pipfile(data: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const section of ['default', 'develop']) {
    const deps = (data as Record<string, Record<string, { version?: string }>>)?.[section];
    if (!deps || typeof deps !== 'object') continue;
    for (const [name, info] of Object.entries(deps)) {
      const v = info?.version;
      if (typeof v === 'string') out.set(name.toLowerCase(), v.replace(/^==/, ''));
    }
  }
  return out;
}

function yarn(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#') || raw.trim() === '') continue;
    if (!raw.startsWith(' ')) {
      // `"@scope/a@^1.0.0", "@scope/a@^1.1.0":` → @scope/a
      const first = raw.replace(/:$/, '').split(',')[0]!.trim().replace(/^"|"$/g, '');
      const at = first.lastIndexOf('@');
      current = at > 0 ? first.slice(0, at) : first;
      if (current === '__metadata') current = null;
      continue;
    }
    const m = /^\s+version:?\s+"?([^"\s]+)"?/.exec(raw);
    if (m && current !== null) {
      out.set(current, m[1]!);
      current = null;
    }
  }
  return out;
}
