/**
 * How a `plots:` entry is drawn, shared by the layer that reads it (pipeline/, from repro.yaml)
 * and the one that draws it (report/html/). Types only (docs/repro-yaml.md, docs/plots.md).
 */
export interface PlotOptions {
  /** one of PLOT_TEMPLATES (pipeline/fields.ts) */
  template?: string;
  /** the column (field) on the x axis */
  x?: string;
  /** the column(s) on the y axis */
  y?: string[];
  title?: string;
  x_label?: string;
  y_label?: string;
}
