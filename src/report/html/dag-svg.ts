import { esc } from './escape.js';
import { STATE_COLOUR } from './palette.js';
import type { PipelineView, StageState } from './report-types.js';

/**
 * The pipeline as an SVG drawn here, without a layout library: stages in columns by layer (the
 * rule of `repro dag`: a source is layer 1, a stage one more than its deepest upstream), in
 * topological order within a column; edges as curves from producer to consumer. Each node is
 * filled by its state and says it in words too (colour is never the only cue), with a tooltip
 * (`<title>`) listing the reasons. The SVG scales to the page width (viewBox).
 */
const NODE_W = 170;
const NODE_H = 40;
const COL_GAP = 60;
const ROW_GAP = 12;
const PAD = 10;

export const STATE_LABEL: Record<StageState, string> = {
  'up-to-date': 'up to date',
  stale: 'stale',
  failed: 'failed',
  'never-run': 'never run',
  frozen: 'frozen',
};

export function stateColour(s: StageState): string {
  return s === 'up-to-date' || s === 'frozen' ? STATE_COLOUR.ok : s === 'stale' ? STATE_COLOUR.stale : s === 'failed' ? STATE_COLOUR.failed : STATE_COLOUR.none;
}

export function layersOf(stages: PipelineView['stages']): Map<string, number> {
  const layer = new Map<string, number>();
  for (const s of stages) layer.set(s.name, 1 + Math.max(0, ...s.upstream.map((u) => layer.get(u) ?? 0)));
  return layer;
}

export function dagSvg(view: PipelineView): string {
  const layer = layersOf(view.stages);
  const columns: string[][] = [];
  for (const s of view.stages) (columns[layer.get(s.name)! - 1] ??= []).push(s.name);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((names, c) => names.forEach((n, r) => pos.set(n, { x: PAD + c * (NODE_W + COL_GAP), y: PAD + r * (NODE_H + ROW_GAP) })));
  const width = PAD * 2 + Math.max(1, columns.length) * NODE_W + Math.max(0, columns.length - 1) * COL_GAP;
  const height = PAD * 2 + Math.max(1, ...columns.map((c) => c.length)) * (NODE_H + ROW_GAP) - ROW_GAP;
  const edges = view.stages.flatMap((s) =>
    s.upstream.map((u) => {
      const a = pos.get(u)!;
      const b = pos.get(s.name)!;
      const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
      const mid = (x1 + x2) / 2;
      return `<path class="edge" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 4},${y2}" fill="none" stroke="#777" stroke-width="1.2" marker-end="url(#arrow)"/>`;
    }),
  );
  const nodes = view.stages.map((s) => {
    const p = pos.get(s.name)!;
    const fill = stateColour(s.state);
    const dark = s.state === 'failed' || s.state === 'up-to-date' || s.state === 'frozen';
    const ink = dark ? '#fff' : '#000';
    const tip = [`${s.name}: ${STATE_LABEL[s.state]}`, ...s.reasons].join('\n');
    const name = s.name.length > 22 ? `${s.name.slice(0, 21)}…` : s.name;
    return `<g class="stage" data-stage="${esc(s.name)}" data-state="${s.state}" transform="translate(${p.x},${p.y})"><title>${esc(tip)}</title><rect width="${NODE_W}" height="${NODE_H}" rx="6" fill="${fill}" stroke="#222" stroke-width="${s.state === 'stale' || s.state === 'failed' ? 2 : 1}"${s.state === 'never-run' ? ' stroke-dasharray="4 3"' : ''}/><text x="8" y="16" font-size="12" font-weight="600" fill="${ink}">${esc(name)}</text><text x="8" y="31" font-size="11" fill="${ink}">${esc(STATE_LABEL[s.state])}${s.reasons[0] && s.state !== 'failed' ? `: ${esc(shorten(s.reasons[0], 18))}` : ''}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="pipeline graph: ${view.stages.length} stages in ${columns.length} layers; the table below lists each stage"><defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#777"/></marker></defs>${edges.join('')}${nodes.join('')}</svg>`;
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
