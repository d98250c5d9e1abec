import { pathExists } from '../core/fs.js';
import { cp, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReproError, isErrno } from '../core/errors.js';
import { findRepoRoot } from '../core/repo.js';
import { addIgnored } from './run/gitignore.js';

/** `templates/` of the installed package (../../templates from dist/ops or src/ops). */
const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');

export interface InitResult {
  root: string;
  template: string;
  written: string[];
  skipped: string[];
}

/**
 * `repro init`: copy a template into the repository without overwriting anything the user has
 * (existing files are listed as skipped), and git-ignore `.repro/`.
 */
export async function init(opts: { cwd: string; template?: string; force?: boolean }): Promise<InitResult> {
  const root = await findRepoRoot(opts.cwd);
  const template = opts.template ?? 'default';
  const src = join(TEMPLATES_DIR, template);
  const names = await listTemplates();
  if (!names.includes(template)) {
    throw new ReproError('E_NOT_FOUND', `unknown template: '${template}'`, { hint: `available: ${names.join(', ')}` });
  }
  const res: InitResult = { root, template, written: [], skipped: [] };
  for (const file of await walk(src)) {
    const rel = relative(src, file).split('\\').join('/');
    const dest = join(root, rel);
    try {
      await cp(file, dest, { force: opts.force ?? false, errorOnExist: !opts.force });
      res.written.push(rel);
    } catch (e) {
      if (!isErrno(e, 'ERR_FS_CP_EEXIST') && !isErrno(e, 'EEXIST')) throw e;
      res.skipped.push(rel);
    }
  }
  await addIgnored(root, ['.repro']);
  return res;
}

async function listTemplates(): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(TEMPLATES_DIR, { withFileTypes: true })) {
    if (e.isDirectory() && (await pathExists(join(TEMPLATES_DIR, e.name, 'repro.yaml')))) out.push(e.name);
  }
  return out.sort();
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}
