import { esc } from './escape.js';
import { STATE_COLOUR } from './palette.js';
import type { PipelineView, StageState } from './report-types.js';
import { count } from '../../core/plural.js';

/**
 * The pipeline as an SVG drawn here, without a layout library: stages in columns by layer (the
 * rule of `repro dag`: a source is layer 1, a stage one more than its deepest upstream), in
 * topological order within a column; edges as curves from producer to consumer. Each node is
 * filled by its state and says it in words too (colour is never the only cue), with a tooltip
 * (`<title>`) listing the reasons. The SVG scales to the page width (viewBox).
 */
/** Width of the page's content: the layout is fitted to it, so the SVG is drawn at full size. */
const FIT_WIDTH = 1150;
const PAD = 10;
/** Above this many stages nodes shrink to one line (name and state glyph). */
const COMPACT_ABOVE = 60;
/** A layer taller than this many nodes wraps into sub-columns while the page has room. */
const MAX_ROWS_UNSPLIT = 12;

export const STATE_LABEL: Record<StageState, string> = {
  'up-to-date': 'up to date',
  stale: 'stale',
  failed: 'failed',
  'never-run': 'never run',
  frozen: 'frozen',
};

/** Drawn before the name in compact nodes and in the legend, so the state reads without colour. */
export const STATE_GLYPH: Record<StageState, string> = { 'up-to-date': '✓', stale: '!', failed: '✗', 'never-run': '○', frozen: '❄' };

export function stateColour(s: StageState): string {
  return s === 'up-to-date' || s === 'frozen'
    ? STATE_COLOUR.ok
    : s === 'stale'
      ? STATE_COLOUR.stale
      : s === 'failed'
        ? STATE_COLOUR.failed
        : STATE_COLOUR.none;
}

export function layersOf(stages: PipelineView['stages']): Map<string, number> {
  const layer = new Map<string, number>();
  for (const s of stages) layer.set(s.name, 1 + Math.max(0, ...s.upstream.map((u) => layer.get(u) ?? 0)));
  return layer;
}

/**
 * Columns by layer; a layer with many stages wraps into several sub-columns, given out one at a
 * time to the layer that is then tallest, until the columns fill FIT_WIDTH.
 */
export function dagSvg(view: PipelineView): string {
  const compact = view.stages.length > COMPACT_ABOVE;
  const NODE_W = compact ? 120 : 170;
  const NODE_H = compact ? 22 : 40;
  const COL_GAP = compact ? 24 : 60;
  const ROW_GAP = compact ? 6 : 12;
  const layer = layersOf(view.stages);
  const byLayer: string[][] = [];
  for (const s of view.stages) (byLayer[layer.get(s.name)! - 1] ??= []).push(s.name);
  const split = byLayer.map(() => 1);
  const maxCols = Math.max(byLayer.length, Math.floor((FIT_WIDTH - 2 * PAD + COL_GAP) / (NODE_W + COL_GAP)));
  const rowsOf = (i: number) => Math.ceil(byLayer[i]!.length / split[i]!);
  for (let used = byLayer.length; used < maxCols; used++) {
    let tallest = 0;
    byLayer.forEach((_, i) => {
      if (rowsOf(i) > rowsOf(tallest)) tallest = i;
    });
    if (rowsOf(tallest) <= MAX_ROWS_UNSPLIT) break;
    split[tallest]! += 1;
  }
  const pos = new Map<string, { x: number; y: number }>();
  let col = 0;
  byLayer.forEach((names, i) => {
    const rows = rowsOf(i);
    names.forEach((n, j) =>
      pos.set(n, { x: PAD + (col + Math.floor(j / rows)) * (NODE_W + COL_GAP), y: PAD + (j % rows) * (NODE_H + ROW_GAP) }),
    );
    col += split[i]!;
  });
  const columns = byLayer;
  const width = PAD * 2 + Math.max(1, col) * NODE_W + Math.max(0, col - 1) * COL_GAP;
  const height = PAD * 2 + Math.max(1, ...byLayer.map((_, i) => rowsOf(i))) * (NODE_H + ROW_GAP) - ROW_GAP;
  const edges = view.stages.flatMap((s) =>
    s.upstream.map((u) => {
      const a = pos.get(u)!;
      const b = pos.get(s.name)!;
      const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
      const mid = (x1 + x2) / 2;
      return `<path class="edge" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 4},${y2}" fill="none" stroke="#777" stroke-width="1.2"${compact ? ' stroke-opacity="0.35"' : ''} marker-end="url(#arrow)"/>`;
    }),
  );
  const nodes = view.stages.map((s) => {
    const p = pos.get(s.name)!;
    const fill = stateColour(s.state);
    const ink = '#000'; // black reads on every state colour (contrast ≥ 4.5:1)
    const tip = [`${s.name}: ${STATE_LABEL[s.state]}`, ...s.reasons].join('\n');
    const rect = `<rect width="${NODE_W}" height="${NODE_H}" rx="${compact ? 4 : 6}" fill="${fill}" stroke="#222" stroke-width="${s.state === 'stale' || s.state === 'failed' ? 2 : 1}"${s.state === 'never-run' ? ' stroke-dasharray="4 3"' : ''}/>`;
    const open = `<g class="stage" data-stage="${esc(s.name)}" data-state="${s.state}" transform="translate(${p.x},${p.y})"><title>${esc(tip)}</title>${rect}`;
    if (compact)
      return `${open}<text x="6" y="15" font-size="11" fill="${ink}">${esc(`${STATE_GLYPH[s.state]} ${shorten(s.name, 16)}`)}</text></g>`;
    const detail = `${STATE_LABEL[s.state]}${s.reasons[0] && s.state !== 'failed' ? `: ${shorten(s.reasons[0], 18)}` : ''}`;
    return `${open}<text x="8" y="16" font-size="12" font-weight="600" fill="${ink}">${esc(shorten(s.name, 22))}</text><text x="8" y="31" font-size="11" fill="${ink}">${esc(`${STATE_GLYPH[s.state]} ${detail}`)}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="pipeline graph: ${count(view.stages.length, 'stage')} in ${count(columns.length, 'layer')}; the table below lists each stage" style="max-width:100%;height:auto"><defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#777"/></marker></defs>${edges.join('')}${nodes.join('')}</svg>`;
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
