import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic.js';
import { ReproError, isErrno } from '../core/errors.js';
import { absPath, toRepoPath } from '../core/paths.js';
import { parseScalar, setYamlKey } from '../core/yaml.js';
import { DEFAULT_PARAMS } from '../pipeline/index.js';

export interface ParamOverride {
  file: string;
  key: string;
  value: unknown;
}

/** Parse `-S [file:]key=value`; the file defaults to params.yaml. */
export function parseOverride(spec: string): ParamOverride {
  const eq = spec.indexOf('=');
  if (eq <= 0) {
    throw new ReproError('E_USAGE', `invalid param override: '${spec}'`, { hint: 'use -S key=value, e.g. -S train.lr=0.01' });
  }
  let lhs = spec.slice(0, eq);
  let file = DEFAULT_PARAMS;
  const colon = lhs.lastIndexOf(':');
  if (colon > 0) {
    file = toRepoPath(lhs.slice(0, colon));
    lhs = lhs.slice(colon + 1);
  }
  return { file, key: lhs, value: parseScalar(spec.slice(eq + 1)) };
}

/**
 * Write overrides into their params files, as DVC does, so the committed params say what ran.
 * Each file is rewritten atomically once.
 */
export async function applyOverrides(root: string, overrides: ParamOverride[]): Promise<void> {
  const byFile = new Map<string, ParamOverride[]>();
  for (const o of overrides) byFile.set(o.file, [...(byFile.get(o.file) ?? []), o]);
  for (const [file, list] of byFile) {
    const path = absPath(root, file);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    for (const o of list) text = setYamlKey(text, file, o.key, o.value);
    await writeFileAtomic(path, text);
  }
}
