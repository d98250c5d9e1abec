import { checkLines, freshLine, guardLine, rerunLines, verdictLine } from './summary.js';
import type { VerifyResult } from '../../model/verify.js';
import { renderVaryLines } from './vary.js';
import { envelopeLines } from './envelope.js';

/**
 * The terminal summary of `repro verify`: one line per check, then one per failing (or warning)
 * subject, indented under its check, and a verdict line. Data warnings list no outputs (there may
 * be thousands); `--json` has them.
 */
export function renderVerifySummary(res: VerifyResult, opts: { warnOnly?: boolean } = {}): string {
  const out: string[] = [];
  const head = res.commit ? res.commit.slice(0, 7) : '(no commit)';
  out.push(`verify ${head}${res.dirty ? ' with uncommitted changes' : ''}`);
  for (const l of checkLines(res)) {
    out.push(`${l.name.padEnd(11)} ${l.status.toUpperCase().padEnd(5)} ${l.summary}`);
    switch (l.name) {
      case 'freshness':
        for (const s of res.freshness.stages) if (s.status !== 'fresh' && s.status !== 'frozen') out.push(`    ${freshLine(s)}`);
        break;
      case 'rules':
        for (const r of res.rules.rules) if (r.status === 'fail') out.push(`    ${r.problem}`);
        break;
      case 'rerun':
        if ('stages' in res.rerun) {
          for (const s of res.rerun.stages) for (const l of envelopeLines(s)) out.push(`    ${l}`);
          for (const s of res.rerun.stages) {
            if (s.status === 'reproduced' || s.status === 'within-tolerance') continue;
            const { head: h, detail } = rerunLines(s);
            out.push(`    ${h}`);
            for (const d of detail) out.push(`        ${d}`);
          }
        }
        break;
      case 'guardrails':
        if ('rows' in res.guardrails)
          for (const r of res.guardrails.rows) if (r.status !== 'pass') out.push(`    ${r.status}: ${guardLine(r)}`);
        break;
      case 'data':
        for (const o of res.data.outputs)
          if (o.status === 'corrupt') out.push(`    corrupt in the cache: '${o.path}' (stage ${o.stage}, ${o.hash})`);
          else if (o.status === 'missing' && res.data.remote)
            out.push(
              `    missing: '${o.path}' (stage ${o.stage}, ${o.missingObject ?? o.hash}) is in neither the local cache nor remote ${res.data.remote}`,
            );
        break;
    }
  }
  if (res.vary) out.push(...renderVaryLines(res.vary));
  for (const w of res.observed_warnings ?? []) out.push(`warning: ${w.message}`);
  out.push(verdictLine(res, opts.warnOnly ?? false));
  return out.join('\n') + '\n';
}
