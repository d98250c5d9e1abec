/** Metrics as read from the workspace's metrics files, recorded in run records and compared. Types only. */

/** Metric values by metrics file: path → dotted key → number. */
export type MetricsByFile = Record<string, Record<string, number>>;
