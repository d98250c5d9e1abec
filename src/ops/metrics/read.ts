import { readFile } from 'node:fs/promises';
import { isErrno } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { MetricsByFile } from '../../model/metrics.js';
import { MetricsFileError, parseMetricData } from './parse.js';

export type { MetricsByFile };

/** A metrics file left out because its text is not metrics: `problem` follows "metrics file 'PATH' …". */
export interface UnreadableMetrics {
  path: string;
  problem: MetricsFileError['problem'];
}

/** A metrics file's numeric leaves (number lists are samples, not metrics): see parseMetricData. */
export function parseMetricsText(text: string, path: string): Record<string, number> {
  return parseMetricData(text, path).scalars;
}

/**
 * The metrics files every stage declares, read from the workspace; missing files are skipped.
 * A file that is not JSON or YAML (or holds no mapping) throws MetricsFileError, unless
 * `onUnreadable` is given: then it is left out and reported there, so one unreadable file does
 * not lose the others.
 */
export async function readWorkspaceMetrics(
  pipeline: Pipeline,
  opts: { onUnreadable?: (u: UnreadableMetrics) => void } = {},
): Promise<MetricsByFile> {
  const out: MetricsByFile = {};
  for (const s of pipeline.stages) {
    for (const o of s.outs) {
      if (o.kind !== 'metric') continue;
      let text: string;
      try {
        text = await readFile(absPath(pipeline.root, o.path), 'utf8');
      } catch (e) {
        if (isErrno(e, 'ENOENT') || isErrno(e, 'EISDIR')) continue;
        throw e;
      }
      try {
        out[o.path] = parseMetricsText(text, o.path);
      } catch (e) {
        if (!(e instanceof MetricsFileError) || !opts.onUnreadable) throw e;
        opts.onUnreadable({ path: o.path, problem: e.problem });
      }
    }
  }
  return out;
}
