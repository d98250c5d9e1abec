/**
 * What `repro plots` draws: the data ops/plots/plots.ts returns and report/html/ renders. Plain data;
 * the renderers import nothing from ops/ or pipeline/ (the drawing options are model/'s PlotOptions).
 */
import type { PlotOptions } from '../../model/plot.js';

/** A plots file as a table: numeric-looking cells are numbers, others text, empty cells null. */
export interface PlotTable {
  columns: string[];
  rows: Record<string, string | number | null>[];
}

export interface PlotRevision {
  /** the revision as given, or 'workspace' */
  label: string;
  commit: string | null;
}

/** One plots file, with its table at each revision (null where the file is absent). */
export interface PlotData {
  path: string;
  /** the stage declaring it (at the newest revision that does), null for a bare target */
  stage: string | null;
  /** drawing options from repro.yaml, the newest revision's declaration */
  options: PlotOptions;
  tables: { rev: string; table: PlotTable | null; error: string | null }[];
}

export interface PlotsResult {
  revisions: PlotRevision[];
  plots: PlotData[];
  /** revisions without repro.yaml, files that do not parse, targets found nowhere */
  notes: string[];
}
