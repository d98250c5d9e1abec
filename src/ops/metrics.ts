import { readFile } from 'node:fs/promises';
import { isErrno } from '../core/errors.js';
import { absPath } from '../core/paths.js';
import type { Pipeline } from '../pipeline/index.js';
import { parseMetricData } from './metric-data.js';

/** metrics file path → dotted key → number. */
export type MetricsByFile = Record<string, Record<string, number>>;

/** A metrics file's numeric leaves (number lists are samples, not metrics): see parseMetricData. */
export function parseMetricsText(text: string, path: string): Record<string, number> {
  return parseMetricData(text, path).scalars;
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
