import { ReproError, isReproError } from '../../core/errors.js';
import { parseYaml } from '../../core/yaml.js';
import type { PlotTable } from '../../report/html/plot-types.js';

/**
 * A `plots:` file as a table for drawing (text in, rows out): CSV/TSV with a header row, a JSON
 * or YAML list of records, a list of numbers (column `value`, with `step` its index), or a mapping
 * (DVC's `{"train": [{...}]}`: the first list of records in it; a mapping of number lists: one
 * column per key). Numeric-looking cells become numbers; other cells stay text (class labels).
 * Anything else is `E_CONFIG` naming the file.
 */
export function parsePlotTable(text: string, path: string): PlotTable {
  if (/\.(json|ya?ml)$/i.test(path)) return fromData(parse(text, path), path);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return { columns: [], rows: [] };
  const sep = /\.tsv$/i.test(path) || lines[0]!.includes('\t') ? '\t' : ',';
  const header = splitLine(lines[0]!, sep);
  const rows = lines.slice(1).map((l) => {
    const c = splitLine(l, sep);
    return Object.fromEntries(header.map((h, i) => [h, cellValue(c[i] ?? '')]));
  });
  return { columns: header, rows };
}

function parse(text: string, path: string): unknown {
  try {
    return parseYaml(text, path);
  } catch (e) {
    if (!isReproError(e)) throw e;
    throw new ReproError('E_CONFIG', `plots file is not JSON or YAML: '${path}'`, {
      cause: e,
      hint: 'a plots file is CSV, TSV, or a JSON/YAML list of records',
    });
  }
}

function fromData(data: unknown, path: string): PlotTable {
  if (Array.isArray(data)) {
    if (data.every((x) => typeof x === 'number'))
      return { columns: ['step', 'value'], rows: data.map((v, i) => ({ step: i, value: v as number })) };
    if (data.every((x) => isRecord(x))) {
      const columns = [...new Set(data.flatMap((r) => Object.keys(r as object)))];
      return { columns, rows: (data as Record<string, unknown>[]).map((r) => Object.fromEntries(columns.map((c) => [c, leaf(r[c])]))) };
    }
  } else if (isRecord(data)) {
    const lists = Object.entries(data).filter(([, v]) => Array.isArray(v));
    const records = lists.find(([, v]) => (v as unknown[]).length > 0 && (v as unknown[]).every(isRecord));
    if (records) return fromData(records[1], path);
    const numeric = lists.filter(([, v]) => (v as unknown[]).every((x) => typeof x === 'number'));
    if (numeric.length > 0) {
      const n = Math.max(...numeric.map(([, v]) => (v as unknown[]).length));
      const columns = ['step', ...numeric.map(([k]) => k)];
      const rows = Array.from({ length: n }, (_, i) =>
        Object.fromEntries([['step', i], ...numeric.map(([k, v]) => [k, ((v as number[])[i] ?? null) as number | null])]),
      );
      return { columns, rows };
    }
  }
  throw new ReproError('E_CONFIG', `plots file holds no table: '${path}'`, {
    hint: 'write a list of records ([{"step": 0, "loss": 1.2}, ...]) or a list of numbers',
  });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function leaf(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return cellValue(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function cellValue(s: string): string | number | null {
  const t = s.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) && /^[-+.\d]/.test(t) ? n : t;
}

/** One CSV line: fields split at `sep` outside double quotes; `""` inside quotes is a quote. */
function splitLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}
