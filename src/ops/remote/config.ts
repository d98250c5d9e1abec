import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { ReproError, isErrno } from '../../core/errors.js';
import { decodeText } from '../../core/text.js';
import { parseYamlDocument, parseYamlTree, treeToData, type Document } from '../../core/yaml.js';
import { remoteKind, type RemoteSpec } from '../../remote/index.js';
import { CONFIG_FILE } from '../../config/config.js';
import { addIgnored } from '../run/gitignore.js';

/**
 * Cache remotes as configured (DVC's `dvc remote` model):
 *
 *   remote:
 *     default: team            # `.exprc`: the remote push/pull/fetch use without -r
 *   remotes:
 *     team:
 *       url: s3://bucket/prefix
 *       endpoint: http://127.0.0.1:7480
 *
 * `.exprc` is committed; `.exprc.local` (git-ignored, same shape) overrides it per machine and is
 * the only file that may hold credential keys. `remote.url` (older files) is an unnamed remote
 * called `default`. Edits keep the files' comments and layout.
 */
export const LOCAL_FILE = '.exprc.local';
export const SETTINGS = ['url', 'endpoint', 'region', 'profile', 'jobs'] as const;
export const CREDENTIALS = ['access_key_id', 'secret_access_key', 'session_token'] as const;
const ALL = new Set<string>([...SETTINGS, ...CREDENTIALS]);
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface RemotesConfig {
  default: string | null;
  remotes: Record<string, Omit<RemoteSpec, 'name'> & { url: string }>;
  /** Where each remote's settings came from, for `remote list`. */
  local: Record<string, string[]>;
}

interface RawFile {
  defaultName?: string | null;
  legacyUrl?: string | null;
  remotes: Record<string, Record<string, unknown>>;
}

async function readText(path: string): Promise<string | null> {
  try {
    return decodeText(await readFile(path), path);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return null;
    throw e;
  }
}

function parseFile(text: string | null, file: string, local: boolean): RawFile {
  const out: RawFile = { remotes: {} };
  if (text === null) return out;
  const tree = parseYamlTree(text, file);
  if (!tree || tree.kind !== 'map') return out; // config.ts reports a malformed .exprc
  for (const section of tree.entries) {
    const data = treeToData(section.value) as Record<string, unknown> | null;
    if (section.key === 'remote' && data && typeof data === 'object') {
      if ('default' in data) out.defaultName = data.default as string | null;
      if ('url' in data) out.legacyUrl = data.url as string | null;
    } else if (section.key === 'remotes' && data !== null) {
      if (typeof data !== 'object' || Array.isArray(data))
        throw new ReproError('E_CONFIG', `'remotes' in ${file} must map remote names to settings`, { pos: section.keyPos });
      for (const e of section.value.kind === 'map' ? section.value.entries : []) {
        const body = treeToData(e.value);
        if (!NAME.test(e.key) || typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new ReproError('E_CONFIG', `invalid remote '${e.key}' in ${file}`, {
            pos: e.keyPos,
            hint: 'each remote is a name (letters, digits, - and _) with a map of settings, e.g. url: s3://bucket/prefix',
          });
        }
        const v = e.value.kind === 'map' ? e.value.entries : [];
        for (const kv of v) {
          if (!ALL.has(kv.key))
            throw new ReproError('E_UNKNOWN_KEY', `unknown key 'remotes.${e.key}.${kv.key}' in ${file}`, {
              pos: kv.keyPos,
              hint: `remote settings: ${[...SETTINGS, ...CREDENTIALS].join(', ')}`,
            });
          if (!local && (CREDENTIALS as readonly string[]).includes(kv.key)) {
            throw new ReproError('E_CONFIG', `credential '${kv.key}' in committed ${file} (remote '${e.key}')`, {
              pos: kv.keyPos,
              hint: `remove it from ${file} (and from Git history) and set it with 'repro remote modify ${e.key} ${kv.key} VALUE --local', or use the AWS credential chain`,
            });
          }
        }
        out.remotes[e.key] = body as Record<string, unknown>;
      }
    }
  }
  return out;
}

export async function readRemotesConfig(root: string): Promise<RemotesConfig> {
  const shared = parseFile(await readText(join(root, CONFIG_FILE)), CONFIG_FILE, false);
  const local = parseFile(await readText(join(root, LOCAL_FILE)), LOCAL_FILE, true);
  const cfg: RemotesConfig = { default: local.defaultName ?? shared.defaultName ?? null, remotes: {}, local: {} };
  if (shared.legacyUrl && !shared.remotes.default) shared.remotes.default = { url: shared.legacyUrl };
  if (!cfg.default && shared.legacyUrl) cfg.default = 'default';
  for (const name of new Set([...Object.keys(shared.remotes), ...Object.keys(local.remotes)])) {
    const merged: Record<string, unknown> = { ...shared.remotes[name], ...local.remotes[name] };
    cfg.local[name] = Object.keys(local.remotes[name] ?? {});
    if (typeof merged.url !== 'string') continue; // credentials for a remote not (yet) defined
    for (const [k, v] of Object.entries(merged)) {
      if (k === 'jobs' ? !(Number.isInteger(v) && (v as number) > 0) : typeof v !== 'string') {
        throw new ReproError('E_CONFIG', `invalid value for 'remotes.${name}.${k}': ${JSON.stringify(v)}`, {
          hint: k === 'jobs' ? 'a positive integer' : 'a string',
        });
      }
    }
    cfg.remotes[name] = merged as RemotesConfig['remotes'][string];
  }
  return cfg;
}

/** The remote a command uses: `-r NAME`, else the default; E_CONFIG when there is none. */
export async function resolveRemote(root: string, name?: string): Promise<RemoteSpec> {
  const cfg = await readRemotesConfig(root);
  const want = name ?? cfg.default;
  if (!want) {
    throw new ReproError('E_CONFIG', 'no remote given and no default remote configured', {
      hint: "add one with 'repro remote add -d NAME URL', or pass -r NAME",
    });
  }
  const r = cfg.remotes[want];
  if (!r) {
    const known = Object.keys(cfg.remotes);
    throw new ReproError('E_CONFIG', `no such remote: '${want}'`, {
      hint: known.length ? `configured remotes: ${known.join(', ')}` : "add one with 'repro remote add NAME URL'",
    });
  }
  remoteKind(r.url);
  return { name: want, ...r };
}

/** Refuse a URL (or endpoint) that carries a secret: `user:pass@`, or a signed query string. */
export function assertNoSecret(value: string, what: string): void {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)?.[1] ?? '';
  const query = value.includes('?') ? value.slice(value.indexOf('?') + 1) : '';
  if (
    authority.includes('@') ||
    /(x-amz-(credential|signature|security-token)|awsaccesskeyid|signature|secret|token|password|access_key)/i.test(query)
  ) {
    throw new ReproError('E_CONFIG', `${what} carries a credential: refusing to store it in ${CONFIG_FILE}`, {
      hint: `give it without user:password@ or signed query parameters; credentials go in the AWS chain (env, ~/.aws) or 'repro remote modify NAME secret_access_key VALUE --local'`,
    });
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new ReproError('E_USAGE', `invalid remote name: '${name}'`, { hint: 'use letters, digits, - and _' });
}

async function edit(root: string, file: string, change: (doc: Document) => void): Promise<void> {
  const path = join(root, file);
  const text = (await readText(path)) ?? '';
  const { doc } = parseYamlDocument(text, file);
  change(doc);
  await writeFileAtomic(path, doc.toString({ lineWidth: 0 }));
  if (file === LOCAL_FILE) await addIgnored(root, [LOCAL_FILE]); // outside repro's output block, which each run prunes
}

export async function addRemote(
  root: string,
  name: string,
  url: string,
  opts: { makeDefault?: boolean; force?: boolean } = {},
): Promise<void> {
  checkName(name);
  assertNoSecret(url, `remote URL '${url.replace(/\/\/[^@/]*@/, '//…@')}'`);
  remoteKind(url);
  const cfg = await readRemotesConfig(root);
  if (cfg.remotes[name] && !opts.force)
    throw new ReproError('E_USAGE', `remote already exists: '${name}'`, {
      hint: `change it with 'repro remote modify ${name} url ${url}'`,
    });
  await edit(root, CONFIG_FILE, (doc) => {
    doc.setIn(['remotes', name, 'url'], url);
    if (opts.makeDefault) doc.setIn(['remote', 'default'], name);
  });
}

export async function modifyRemote(
  root: string,
  name: string,
  key: string,
  value: string,
  opts: { local?: boolean; unset?: boolean } = {},
): Promise<void> {
  checkName(name);
  if (!ALL.has(key))
    throw new ReproError('E_USAGE', `unknown remote setting: '${key}'`, {
      hint: `settings: ${SETTINGS.join(', ')}; credentials (with --local): ${CREDENTIALS.join(', ')}`,
    });
  const isCred = (CREDENTIALS as readonly string[]).includes(key);
  if (isCred && !opts.local) {
    throw new ReproError('E_USAGE', `'${key}' is a credential: refusing to write it to the committed ${CONFIG_FILE}`, {
      hint: `add --local to store it in ${LOCAL_FILE} (git-ignored), or use the AWS credential chain`,
    });
  }
  if (!isCred) assertNoSecret(value, `${key} '${value.replace(/\/\/[^@/]*@/, '//…@')}'`);
  if (key === 'url') remoteKind(value);
  const cfg = await readRemotesConfig(root);
  if (!cfg.remotes[name] && key !== 'url' && !opts.local)
    throw new ReproError('E_NOT_FOUND', `no such remote: '${name}'`, { hint: "add it first with 'repro remote add NAME URL'" });
  const v: unknown = key === 'jobs' ? Number(value) : value;
  if (key === 'jobs' && !(Number.isInteger(v) && (v as number) > 0))
    throw new ReproError('E_USAGE', `jobs must be a positive integer: '${value}'`);
  await edit(root, opts.local ? LOCAL_FILE : CONFIG_FILE, (doc) => {
    if (opts.unset) doc.deleteIn(['remotes', name, key]);
    else doc.setIn(['remotes', name, key], v);
  });
}

export async function removeRemote(root: string, name: string): Promise<void> {
  const cfg = await readRemotesConfig(root);
  if (!cfg.remotes[name] && !cfg.local[name]) throw new ReproError('E_NOT_FOUND', `no such remote: '${name}'`);
  for (const file of [CONFIG_FILE, LOCAL_FILE]) {
    if ((await readText(join(root, file))) === null) continue;
    await edit(root, file, (doc) => {
      doc.deleteIn(['remotes', name]);
      if (doc.getIn(['remote', 'default']) === name) doc.deleteIn(['remote', 'default']);
    });
  }
}

export async function setDefaultRemote(root: string, name: string, opts: { local?: boolean } = {}): Promise<void> {
  const cfg = await readRemotesConfig(root);
  if (!cfg.remotes[name])
    throw new ReproError('E_NOT_FOUND', `no such remote: '${name}'`, {
      hint: Object.keys(cfg.remotes).length
        ? `configured remotes: ${Object.keys(cfg.remotes).join(', ')}`
        : "add one with 'repro remote add NAME URL'",
    });
  await edit(root, opts.local ? LOCAL_FILE : CONFIG_FILE, (doc) => doc.setIn(['remote', 'default'], name));
}
