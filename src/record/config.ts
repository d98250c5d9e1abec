import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isErrno } from '../core/errors.js';

/**
 * A small reader for git-config files, enough for the few keys this module needs
 * (`user.name`, `user.email`, `core.filemode`, `extensions.*`).
 *
 * Keys come back as `section.key` or `section.subsection.key`, section and key lower-cased
 * (as Git compares them), the last assignment winning. Handles quoting, escapes, comments and
 * line continuations; `[include]`/`[includeIf]` are not followed (a known gap).
 */
export type GitConfig = Map<string, string>;

export function parseGitConfig(text: string, into: GitConfig = new Map()): GitConfig {
  let section = '';
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$/.exec(line);
    if (head) {
      const [, name, sub] = head;
      // `[a.b]` is the old spelling of `[a "b"]`, whose subsection is case-insensitive.
      section = sub !== undefined ? `${name!.toLowerCase()}.${sub.replace(/\\(.)/g, '$1')}` : name!.toLowerCase();
      line = head[3]!;
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!kv || section === '') continue;
    let raw = kv[2];
    // A value ending in an unescaped backslash continues on the next line.
    while (raw !== undefined && /(^|[^\\])(\\\\)*\\$/.test(raw) && i + 1 < lines.length) {
      raw = raw.slice(0, -1) + lines[++i];
    }
    into.set(`${section}.${kv[1]!.toLowerCase()}`, raw === undefined ? 'true' : unquote(raw));
  }
  return into;
}

function unquote(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[++i]!;
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'b' ? '\b' : n;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === '#' || c === ';')) {
      break;
    } else {
      out += c;
    }
  }
  return quoted ? out : out.trim();
}

/** True for Git's spellings of a true boolean. */
export function configBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const v = value.toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0', ''].includes(v)) return false;
  return fallback;
}

/** The repository's own config (`<commonDir>/config`), without the global files. */
export async function readRepoConfig(commonDir: string): Promise<GitConfig> {
  return parseGitConfig(await readOptional(join(commonDir, 'config')));
}

/**
 * System, global and repository config merged in Git's order of precedence (later wins).
 * Honours `GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL` and `XDG_CONFIG_HOME` as Git does.
 */
export async function readMergedConfig(commonDir: string): Promise<GitConfig> {
  const env = process.env;
  const files: string[] = [];
  if (!configBool(env.GIT_CONFIG_NOSYSTEM, false)) files.push(env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig');
  if (env.GIT_CONFIG_GLOBAL !== undefined) {
    files.push(env.GIT_CONFIG_GLOBAL);
  } else {
    files.push(join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'git', 'config'), join(homedir(), '.gitconfig'));
  }
  files.push(join(commonDir, 'config'));
  const config: GitConfig = new Map();
  for (const text of await Promise.all(files.map((f) => (f === '' || f === '/dev/null' ? '' : readOptional(f))))) {
    parseGitConfig(text, config);
  }
  return config;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR') || isErrno(e, 'EACCES') || isErrno(e, 'EISDIR')) return '';
    throw e;
  }
}
