/**
 * Colours: Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies.
 * Every chart and the DAG use these; meaning is never carried by colour alone (labels, text).
 */
export const CATEGORY = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export const STATE_COLOUR = {
  ok: '#009E73', // bluish green
  stale: '#E69F00', // orange
  failed: '#D55E00', // vermillion
  none: '#BBBBBB', // grey: never run / not reproduced
} as const;

/** Vega-Lite `config` shared by every chart. */
export const CHART_CONFIG = {
  range: { category: CATEGORY },
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, orient: 'bottom' },
  font: 'system-ui, sans-serif',
};
