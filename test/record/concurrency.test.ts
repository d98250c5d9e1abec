import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, tempDir } from './helpers.js';

/**
 * Two real processes writing runs into one repository at once. vitest cannot run inside a child,
 * so the record module (and the core file it imports) is transpiled to plain JS in a temp dir
 * whose `node_modules` links to the project's.
 */
const SRC = join(import.meta.dirname, '../../src');

function buildRecordModule(): string {
  const out = tempDir();
  const parts: [string, string[] | null][] = [['record', null], ['core', ['errors.ts']]];
  for (const [dir, only] of parts) {
    mkdirSync(join(out, dir));
    for (const f of readdirSync(join(SRC, dir)).filter((f) => f.endsWith('.ts') && (!only || only.includes(f)))) {
      const js = ts.transpileModule(readFileSync(join(SRC, dir, f), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(join(out, dir, f.replace(/\.ts$/, '.js')), js);
    }
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  symlinkSync(join(SRC, '../node_modules'), join(out, 'node_modules'));
  writeFileSync(join(out, 'writer.mjs'), WRITER);
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
      expect(outcomes.filter((o) => o.code === 'E_RECORD'), id).toHaveLength(1);
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
