import type { Pipeline } from './types.js';

/**
 * `repro dag` renderings. Every format lists stages in topological order; the text has no
 * trailing newline (the caller adds one).
 */

export type DagFormat = 'ascii' | 'mermaid' | 'dot' | 'json';

/**
 * The `--format json` contract (stable; covered by test/pipeline/render.test.ts):
 * ```
 * { "stages": [ { "name": "train@small",            // topological order
 *                 "deps": ["train.py", "data/prepared"],   // repo-relative paths, declared order
 *                 "outs": ["models/small.bin", "metrics/small.json"], // outs, metrics and plots
 *                 "upstream": ["prepare"] } ],      // stage names it depends on, topological order
 *   "edges": [ { "from": "prepare", "to": "train@small" } ] } // producer → consumer
 * ```
 */
export interface DagJson {
  stages: { name: string; deps: string[]; outs: string[]; upstream: string[] }[];
  edges: { from: string; to: string }[];
}

export function dagJson(p: Pipeline): DagJson {
  return {
    stages: p.stages.map((s) => ({
      name: s.name,
      deps: s.deps.map((d) => d.path),
      outs: s.outs.map((o) => o.path),
      upstream: p.upstream.get(s.name) ?? [],
    })),
    edges: p.stages.flatMap((s) => (p.upstream.get(s.name) ?? []).map((from) => ({ from, to: s.name }))),
  };
}

export function renderDag(p: Pipeline, format: DagFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(dagJson(p), null, 2);
    case 'mermaid':
      return mermaid(p);
    case 'dot':
      return dot(p);
    case 'ascii':
      return ascii(p);
  }
}

/** Layer = 1 + the deepest upstream layer; sources are layer 1. */
function layers(p: Pipeline): Map<string, number> {
  const layer = new Map<string, number>();
  for (const s of p.stages) {
    const ups = p.upstream.get(s.name) ?? [];
    layer.set(s.name, 1 + Math.max(0, ...ups.map((u) => layer.get(u)!)));
  }
  return layer;
}

/**
 * One line per stage, grouped by layer, with what it waits for:
 * ```
 * [1] prepare
 * [2] train@small  <- prepare
 *     train@large  <- prepare
 * ```
 */
function ascii(p: Pipeline): string {
  if (p.stages.length === 0) return '(no stages)';
  const layer = layers(p);
  const byLayer = [...p.stages].sort((a, b) => layer.get(a.name)! - layer.get(b.name)!); // stable: topo order within a layer
  const width = Math.max(...p.stages.map((s) => s.name.length));
  const tagWidth = `[${Math.max(...layer.values())}] `.length;
  let prev = 0;
  return byLayer
    .map((s) => {
      const l = layer.get(s.name)!;
      const tag = l === prev ? '' : `[${l}]`;
      prev = l;
      const ups = p.upstream.get(s.name) ?? [];
      const line = tag.padEnd(tagWidth) + (ups.length ? `${s.name.padEnd(width)}  <- ${ups.join(', ')}` : s.name);
      return line.trimEnd();
    })
    .join('\n');
}

function mermaid(p: Pipeline): string {
  const id = new Map(p.stages.map((s, i) => [s.name, `s${i}`]));
  const lines = ['flowchart TD'];
  for (const s of p.stages) lines.push(`  ${id.get(s.name)}["${s.name.replace(/"/g, '#quot;')}"]`);
  for (const e of dagJson(p).edges) lines.push(`  ${id.get(e.from)} --> ${id.get(e.to)}`);
  return lines.join('\n');
}

function dot(p: Pipeline): string {
  const q = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`;
  const lines = ['digraph pipeline {', '  rankdir=TB;', '  node [shape=box];'];
  for (const s of p.stages) lines.push(`  ${q(s.name)};`);
  for (const e of dagJson(p).edges) lines.push(`  ${q(e.from)} -> ${q(e.to)};`);
  lines.push('}');
  return lines.join('\n');
}
