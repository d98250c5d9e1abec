import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, tempDir } from './helpers.js';

/**
 * Two real processes writing runs into one repository at once. vitest cannot run inside a child,
 * so the writers import the compiled module from dist/ (`npm test` builds it first).
 */
const DIST_RECORD = join(import.meta.dirname, '../../dist/record/index.js');

function buildRecordModule(): string {
  if (!existsSync(DIST_RECORD)) throw new Error(`${DIST_RECORD} is missing: run 'npm run build' (npm test does)`);
  const out = tempDir();
  writeFileSync(join(out, 'writer.mjs'), WRITER.replace('./record/index.js', pathToFileURL(DIST_RECORD).href));
  return out;
}

/** argv: repo, name, dir for ready/go files, shared run ids (comma-separated). Prints JSON results. */
const WRITER = `
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepo, newRunId, snapshotTree, writeRunCommit } from './record/index.js';
const [root, who, sync, shared] = process.argv.slice(2);
const repo = await findRepo(root);
writeFileSync(join(sync, 'ready-' + who), '');
while (!existsSync(join(sync, 'go'))) await new Promise((r) => setTimeout(r, 1));
const own = [], contended = [];
const tree = await snapshotTree({ repo, extraFiles: {} });
for (const runId of shared.split(',')) {
  try {
    contended.push({ runId, commit: await writeRunCommit({ repo, runId, tree, message: who + ' ' + runId, parents: [repo.head] }) });
  } catch (e) {
    contended.push({ runId, code: e.code });
  }
}
for (let i = 0; i < 15; i++) {
  const runId = newRunId();
  const tree = await snapshotTree({ repo, extraFiles: { 'who.txt': who + i } });
  own.push({ runId, commit: await writeRunCommit({ repo, runId, tree, message: who, parents: [repo.head] }) });
}
process.stdout.write(JSON.stringify({ own, contended }));
`;

describe('concurrent writers (child processes)', () => {
  it('keep every run, and exactly one wins each contended run id', async () => {
    const mod = buildRecordModule();
    const root = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const sync = tempDir();
    const shared = Array.from({ length: 60 }, (_, i) => `20260101T000000.${String(i).padStart(3, '0')}Z-shared`);
    const run = (who: string) => promisify(execFile)('node', [join(mod, 'writer.mjs'), root, who, sync, shared.join(',')]);
    const children = [run('A'), run('B')];
    while (!existsSync(join(sync, 'ready-A')) || !existsSync(join(sync, 'ready-B'))) await new Promise((r) => setTimeout(r, 5));
    writeFileSync(join(sync, 'go'), '');
    const [a, b] = (await Promise.all(children)).map((c) => JSON.parse(c.stdout) as Result);

    const refs = new Map(
      git(root, 'for-each-ref', '--format=%(refname:strip=3) %(objectname)', 'refs/repro/runs/')
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    for (const r of [...a.own, ...b.own]) expect(refs.get(r.runId)).toBe(r.commit);
    for (const id of shared) {
      const outcomes = [a, b].map((x) => x.contended.find((c) => c.runId === id)!);
      const winners = outcomes.filter((o) => o.commit);
      expect(winners, id).toHaveLength(1);
      expect(
        outcomes.filter((o) => o.code === 'E_RECORD'),
        id,
      ).toHaveLength(1);
      expect(refs.get(id)).toBe(winners[0]!.commit);
    }
    expect(refs.size).toBe(30 + shared.length);
    git(root, 'fsck', '--strict', '--no-dangling');
  });
});

interface Result {
  own: { runId: string; commit: string }[];
  contended: { runId: string; commit?: string; code?: string }[];
}
