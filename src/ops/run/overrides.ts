import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic.js';
import { ReproError, isErrno } from '../../core/errors.js';
import { absPath, toRepoPath } from '../../core/paths.js';
import { parseScalar, setYamlKey } from '../../core/yaml.js';
import { memoParse, memoStore } from '../../core/memo.js';
import { REDACTED, findSecretsEach, looksLikeSecretValue } from '../../env/index.js';
import { DEFAULT_PARAMS, getParam, readParamsFile, resolveParamValues, type Pipeline } from '../../pipeline/index.js';
import { closest } from '../../core/suggest.js';

/**
 * `-S [file:]key=value`: set a param for this run, written into its params file as DVC does, so
 * the committed params say what ran. As in DVC (Hydra's override grammar), the key must already
 * exist; `+key=value` adds a new one. Everything is checked before anything is written, and the
 * files are put back if the pipeline then fails to load (see `run`).
 */

export interface ParamOverride {
  file: string;
  key: string;
  value: unknown;
  /** `+key=value`: the key may be new. */
  add: boolean;
  /** As given on the command line, for messages. */
  spec: string;
}

/** Files that are never params files, whatever the pipeline says (and anything under these dirs). */
const NOT_PARAMS = ['repro.yaml', 'repro.lock', '.exprc', '.git', '.repro', '.gitignore'];

const usage = (message: string, hint: string) => new ReproError('E_USAGE', message, { hint });

/** Parse `-S [+][file:]key=value`; the file defaults to params.yaml. */
export function parseOverride(spec: string): ParamOverride {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw usage(`invalid param override: '${spec}'`, 'use -S key=value, e.g. -S train.lr=0.01');
  let lhs = spec.slice(0, eq);
  const add = lhs.startsWith('+');
  if (add) lhs = lhs.slice(1);
  let file = DEFAULT_PARAMS;
  const colon = lhs.lastIndexOf(':');
  if (colon > 0) {
    file = toRepoPath(lhs.slice(0, colon));
    lhs = lhs.slice(colon + 1);
  }
  if (lhs === '' || lhs.split('.').some((p) => p === ''))
    throw usage(`invalid param override: '${spec}': no key`, 'use -S key=value, e.g. -S train.lr=0.01');
  const rhs = spec.slice(eq + 1);
  if (rhs === '')
    throw usage(`invalid param override: '${spec}': no value`, `write -S ${lhs}=null for null, or -S "${lhs}=''" for an empty string`);
  const value = parseScalar(rhs);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw usage(
      `invalid param override: '${spec}': ${rhs} is not a finite number`,
      'params must be finite numbers, strings, booleans or null; quote it to pass text',
    );
  }
  return { file, key: lhs, value, add, spec };
}

/** The content of each params file before and after the overrides. */
export type PreparedOverrides = Map<string, { before: string; after: string }>;

/**
 * Check every override against its params file as it is on disk, and compute the new texts.
 * Nothing is written. Errors (E_USAGE): a file that is not a params file or does not exist, a key
 * that does not exist (without `+`), a section replaced by a value, a path through a value.
 */
export async function prepareOverrides(root: string, overrides: ParamOverride[]): Promise<PreparedOverrides> {
  const byFile = new Map<string, ParamOverride[]>();
  for (const o of overrides) byFile.set(o.file, [...(byFile.get(o.file) ?? []), o]);
  await refuseSecretOverrides(overrides);
  const out: PreparedOverrides = new Map();
  for (const [file, list] of byFile) {
    const o0 = list[0]!;
    if (NOT_PARAMS.some((n) => file === n || file.startsWith(n + '/'))) {
      throw usage(
        `-S cannot write '${file}': it is not a params file ('${o0.spec}')`,
        `name a params file a stage lists under params:, e.g. -S ${DEFAULT_PARAMS}:${o0.key}=…`,
      );
    }
    let text: string;
    try {
      text = await readFile(absPath(root, file), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR'))
        throw usage(
          `params file '${file}' does not exist ('${o0.spec}')`,
          'create it first, or name an existing params file: -S file.yaml:key=value',
        );
      throw e;
    }
    const data = await readParamsFile(root, file); // positioned errors for broken YAML
    let after = text;
    for (const o of list) {
      checkKey(data, o);
      after = setYamlKey(after, file, o.key, o.value);
    }
    out.set(file, { before: text, after });
  }
  return out;
}

function isSection(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

function checkKey(data: unknown, o: ParamOverride): void {
  const found = getParam(data, o.key);
  if (found.found) {
    if (isSection(found.value) && !isSection(o.value)) {
      const sub = Array.isArray(found.value) ? '0' : (Object.keys(found.value as object)[0] ?? 'key');
      throw usage(
        `-S would replace the section '${o.key}' in ${o.file} with a single value ('${o.spec}')`,
        `set a key inside it instead, e.g. -S ${o.key}.${sub}=…`,
      );
    }
    return;
  }
  // Not there: find the deepest existing parent, to say why.
  const parts = o.key.split('.');
  let parent = '';
  let parentValue: unknown = data;
  for (let i = parts.length - 1; i > 0; i--) {
    const p = getParam(data, parts.slice(0, i).join('.'));
    if (p.found) {
      parent = parts.slice(0, i).join('.');
      parentValue = p.value;
      break;
    }
  }
  if (parent && !isSection(parentValue)) {
    throw usage(
      `'${parent}' in ${o.file} is a value, not a section: cannot set '${o.key}' ('${o.spec}')`,
      `set '${parent}' itself: -S ${parent}=…`,
    );
  }
  if (o.add) return;
  const near = nearKey(data, parts);
  const add = `to add a new param, write -S +${o.key}=…`;
  throw usage(`param '${o.key}' is not in ${o.file} ('${o.spec}')`, near ? `did you mean '${near}'? (${add})` : add);
}

/**
 * The existing key nearest to a missing one, correcting each level in turn (`trian.rf.n` →
 * `train.rf.n`, `train.rff.n` → `train.rf.n`): the whole corrected key when it exists, else the
 * longest corrected prefix that does when some level of it was misspelt, else nothing.
 */
function nearKey(data: unknown, parts: string[]): string | undefined {
  let node = data;
  const out: string[] = [];
  let corrected = false;
  for (const p of parts) {
    if (!isSection(node)) break;
    const keys = Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node as object);
    const k = keys.includes(p) ? p : closest(p, keys);
    if (k === undefined) break;
    corrected ||= k !== p;
    out.push(k);
    node = (node as Record<string, unknown>)[k];
  }
  return corrected ? out.join('.') : undefined;
}

/** Write the prepared texts (`after`), or put the files back (`before`). Atomic per file. */
export async function writeOverrides(root: string, prepared: PreparedOverrides, which: 'before' | 'after'): Promise<void> {
  for (const [file, t] of prepared) await writeFileAtomic(absPath(root, file), t[which]);
}

/** After loading: every overridden file must be one the pipeline reads params from. */
export function checkOverrideTargets(pipeline: Pipeline, overrides: ParamOverride[]): void {
  for (const o of overrides) {
    if (pipeline.paramsData.has(o.file)) continue;
    const used = [...pipeline.paramsData.keys()];
    throw usage(
      `-S names '${o.file}', which no stage reads params from ('${o.spec}')`,
      used.length ? `params files of this pipeline: ${used.join(', ')}` : 'declare params: in a stage of repro.yaml first',
    );
  }
}

/**
 * Params are committed (params.yaml, repro.lock, every run record and its key components), so a
 * param value that looks like a credential is refused before anything is written or run, rather
 * than redacted in some places and kept in others. Credentials belong in the environment:
 * `env.capture` records and keys them as [redacted].
 */
const SECRET_HINT =
  'params are committed (params file, repro.lock, run records); pass a credential through the environment instead (env.capture records it as [redacted])';

/** `-S` values, by the built-in table and the maintained rule set (loaded only for a string value). */
async function refuseSecretOverrides(overrides: ParamOverride[]): Promise<void> {
  const strings = overrides.filter((o) => typeof o.value === 'string');
  if (strings.length === 0) return;
  const found = await findSecretsEach(strings.map((o) => o.value as string));
  strings.forEach((o, i) => {
    const f = found[i]![0];
    if (f)
      throw usage(
        `-S value for '${o.key}' looks like a credential (rule ${f.rule}): '${o.spec.slice(0, o.spec.indexOf('=') + 1)}${REDACTED}'`,
        SECRET_HINT,
      );
  });
}

/**
 * Every param value a stage reads, from its params file or from `-S`: the same refusal
 * (E_CONFIG). The built-in table runs on every call (microseconds); the maintained rule set only
 * when the values changed since they last passed (a memo in `.repro/`), so a no-op run never
 * loads it.
 */
export async function refuseSecretParams(pipeline: Pipeline, stateDir: string): Promise<void> {
  const values: { stage: string; file: string; key: string; value: string }[] = [];
  for (const st of pipeline.stages) {
    let params: Record<string, Record<string, unknown>>;
    try {
      params = resolveParamValues(st, (f) => pipeline.paramsData.get(f));
    } catch (e) {
      if (e instanceof ReproError && e.code === 'E_NOT_FOUND') continue; // the stage itself reports it
      throw e;
    }
    for (const [file, kv] of Object.entries(params)) {
      for (const [key, v] of Object.entries(kv)) collectStrings(v, key, (k, value) => values.push({ stage: st.name, file, key: k, value }));
    }
  }
  if (values.length === 0) return;
  const refuse = (v: (typeof values)[number], rule: string): never => {
    throw new ReproError('E_CONFIG', `param '${v.key}' in ${v.file} (stage '${v.stage}') looks like a credential (rule ${rule})`, {
      hint: SECRET_HINT,
    });
  };
  for (const v of values) if (looksLikeSecretValue(v.value)) refuse(v, 'built-in');
  const text = JSON.stringify(values.map((v) => v.value));
  if (memoParse(stateDir, 'params-screen', text, () => false) === true) return;
  const found = await findSecretsEach(values.map((v) => v.value));
  found.forEach((f, i) => f[0] && refuse(values[i]!, f[0].rule));
  await memoStore(stateDir, 'params-screen', text, true);
}

function collectStrings(v: unknown, key: string, add: (key: string, value: string) => void): void {
  if (typeof v === 'string') add(key, v);
  else if (Array.isArray(v)) v.forEach((x, i) => collectStrings(x, `${key}.${i}`, add));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) collectStrings(x, key === '' ? k : `${key}.${k}`, add);
}
