import { readFile } from 'node:fs/promises';
import { ReproError, isErrno } from '../core/errors.js';
import { absPath } from '../core/paths.js';
import { parseYaml } from '../core/yaml.js';
import { flattenMetrics } from '../compare/index.js';
import type { Pipeline } from '../pipeline/index.js';

/** metrics file path → dotted key → number. */
export type MetricsByFile = Record<string, Record<string, number>>;

/** Parse a metrics file's text (JSON or YAML) into numeric leaves; malformed → E_CONFIG. */
export function parseMetricsText(text: string, path: string): Record<string, number> {
  let data: unknown;
  try {
    data = parseYaml(text, path); // YAML is a superset of JSON
  } catch (e) {
    throw new ReproError('E_CONFIG', `metrics file is not JSON or YAML: '${path}'`, { cause: e, hint: 'a metrics file holds a JSON or YAML mapping of numbers' });
  }
  return flattenMetrics(data);
}

/** The metrics files every stage declares, read from the workspace; missing files are skipped. */
export async function readWorkspaceMetrics(pipeline: Pipeline): Promise<MetricsByFile> {
  const out: MetricsByFile = {};
  for (const s of pipeline.stages) {
    for (const o of s.outs) {
      if (o.kind !== 'metric') continue;
      try {
        out[o.path] = parseMetricsText(await readFile(absPath(pipeline.root, o.path), 'utf8'), o.path);
      } catch (e) {
        if (isErrno(e, 'ENOENT') || isErrno(e, 'EISDIR')) continue;
        throw e;
      }
    }
  }
  return out;
}
