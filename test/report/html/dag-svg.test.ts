import { describe, expect, it } from 'vitest';
import { dagSvg, layersOf } from '../../../src/report/html/dag-svg.js';
import type { PipelineView, StageState } from '../../../src/report/html/report-types.js';

const stage = (name: string, upstream: string[], state: StageState = 'up-to-date', reasons: string[] = []) => ({
  name,
  upstream,
  state,
  reasons,
  duration_ms: null,
  seed: null,
  outs: [],
});

/** Node positions from the SVG: name → [x, y]. */
function positions(svg: string): Map<string, [number, number]> {
  return new Map(
    [...svg.matchAll(/data-stage="([^"]+)" data-state="[^"]+" transform="translate\(([\d.]+),([\d.]+)\)"/g)].map((m) => [
      m[1]!,
      [Number(m[2]), Number(m[3])],
    ]),
  );
}

describe('dagSvg', () => {
  const view: PipelineView = {
    live: true,
    stages: [
      stage('prep', []),
      stage('a', ['prep'], 'stale', ['param changed: lr 0.1 -> 0.2']),
      stage('b', ['prep'], 'failed', ['exit code 3']),
      stage('join', ['a', 'b'], 'never-run'),
    ],
  };

  it('one node per stage, in columns by layer as repro dag counts them, one edge per dependency', () => {
    expect([...layersOf(view.stages)]).toEqual([
      ['prep', 1],
      ['a', 2],
      ['b', 2],
      ['join', 3],
    ]);
    const svg = dagSvg(view);
    const pos = positions(svg);
    expect(pos.size).toBe(4);
    expect(pos.get('a')![0]).toBe(pos.get('b')![0]);
    expect(pos.get('a')![0]).toBeGreaterThan(pos.get('prep')![0]);
    expect(pos.get('join')![0]).toBeGreaterThan(pos.get('a')![0]);
    expect(svg.match(/class="edge"/g)).toHaveLength(4);
  });

  it('says each state in words and a glyph, not by colour alone, with the reasons as a tooltip', () => {
    const svg = dagSvg(view);
    expect(svg).toContain('<title>a: stale\nparam changed: lr 0.1 -&gt; 0.2</title>');
    expect(svg).toContain('✗ failed');
    expect(svg).toContain('○ never run');
    expect(svg).toContain('stroke-dasharray'); // never run: a dashed outline
  });

  it('wraps a wide layer into sub-columns that fit the page (the 200-stage fan-out)', () => {
    const mids = Array.from({ length: 198 }, (_, i) => stage(`m${i}`, ['src']));
    const big: PipelineView = {
      live: true,
      stages: [
        stage('src', []),
        ...mids,
        stage(
          'sink',
          mids.map((m) => m.name),
        ),
      ],
    };
    const svg = dagSvg(big);
    const width = Number(/viewBox="0 0 ([\d.]+) /.exec(svg)![1]);
    const height = Number(/viewBox="0 0 [\d.]+ ([\d.]+)"/.exec(svg)![1]);
    expect(positions(svg).size).toBe(200);
    expect(width).toBeLessThanOrEqual(1150);
    expect(height).toBeLessThan(1200);
  });
});
