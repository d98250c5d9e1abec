/**
 * A repository whose one stage declares a plots file for every template, committed (HEAD) and
 * then changed in the workspace, for `repro plots` and `repro report` tests. The files are
 * written directly: plots are Git-tracked files, read from the workspace or a revision's tree.
 */

export const PLOTS_YAML = `version: 1
stages:
  train:
    cmd: echo train
    plots:
      - {path: plots/loss.csv, x: step, y: [loss, val_loss], title: Loss by step}
      - plots/acc.tsv: {template: scatter, x: epoch, y: acc}
      - {path: plots/noise.json, template: smooth}
      - {path: plots/cm.csv, template: confusion}
      - {path: plots/cmn.csv, template: confusion_normalized, x: truth, y: guess}
      - {path: plots/imp.yaml, template: bar_horizontal, x: importance, y: feature}
      - plots/bare.json
`;

export function lossCsv(n: number, scale: number): string {
  const rows = Array.from({ length: n }, (_, i) => `${i},${(scale / (i + 1)).toFixed(4)},${((scale * 1.1) / (i + 1)).toFixed(4)}`);
  return `step,loss,val_loss\n${rows.join('\n')}\n`;
}

/** Confusion rows: `pairs` of [actual, predicted], each repeated `times`. */
export function confusionCsv(header: string, pairs: [string, string][]): string {
  return `${header}\n${pairs.map((p) => p.join(',')).join('\n')}\n`;
}

export const CM_PAIRS: [string, string][] = [
  ['cat', 'cat'],
  ['cat', 'cat'],
  ['cat', 'dog'],
  ['dog', 'dog'],
  ['dog', 'bird'],
  ['bird', 'bird'],
];

export function plotFiles(version: 1 | 2): Record<string, string> {
  const v2 = version === 2;
  return {
    'repro.yaml': PLOTS_YAML,
    'plots/loss.csv': lossCsv(v2 ? 12 : 10, v2 ? 0.8 : 1),
    'plots/acc.tsv': `epoch\tacc\n1\t0.5\n2\t0.6\n3\t${v2 ? 0.72 : 0.7}\n`,
    'plots/noise.json': JSON.stringify(Array.from({ length: 30 }, (_, i) => Math.sin(i / 3) + (v2 ? 0.2 : 0))),
    'plots/cm.csv': confusionCsv('actual,predicted', v2 ? [...CM_PAIRS, ['bird', 'cat']] : CM_PAIRS),
    'plots/cmn.csv': confusionCsv('truth,guess', CM_PAIRS),
    'plots/imp.yaml': `- {feature: age, importance: 0.2}\n- {feature: income, importance: ${v2 ? 0.5 : 0.6}}\n- {feature: score, importance: 0.1}\n${v2 ? '- {feature: zip, importance: 0.05}\n' : ''}`,
    'plots/bare.json': JSON.stringify({
      train: [
        { step: 0, score: 1 },
        { step: 1, score: 2 },
      ],
    }),
  };
}
