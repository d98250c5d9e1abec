import { describe, expect, it } from 'vitest';
import { repro, tempRepos } from '../helpers/repo.js';

// `repro run --dry` must foresee what the real run does: a stage whose dep exists nowhere and is
// made by no stage due to run fails for real, so the dry run says it would fail, with the path.

const PIPELINE = `stages:
  make:
    cmd: cp in.txt made.txt
    deps: [in.txt]
    outs: [made.txt]
  use:
    cmd: cat made.txt absent.txt > out.txt
    deps: [made.txt, absent.txt]
    outs: [out.txt]
  fine:
    cmd: cp made.txt fine.txt
    deps: [made.txt]
    outs: [fine.txt]
`;

describe('repro run --dry and missing deps', () => {
  const { repo } = tempRepos();

  it('says a stage would fail on a dep nothing makes, and not on one an upstream stage makes', async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'x\n' });
    const dry = await repro(d, 'run', '--dry', '--json');
    expect(dry.code).toBe(0);
    const by = Object.fromEntries(
      (JSON.parse(dry.stdout) as { stages: { name: string; status: string; error: string | null }[] }).stages.map((s) => [s.name, s]),
    );
    expect(by.make).toMatchObject({ status: 'would-run', error: null });
    expect(by.fine).toMatchObject({ status: 'would-run', error: null }); // made.txt comes from `make`
    expect(by.use).toMatchObject({ status: 'would-run', error: "would fail: dependency missing: 'absent.txt' (repro.yaml:8)" });

    const text = await repro(d, 'run', '--dry');
    expect(text.stdout).toContain(
      "would run use: never run; upstream stage 'make' changes\n    and would fail: dependency missing: 'absent.txt' (repro.yaml:8)",
    );

    // The real run fails exactly there.
    const real = await repro(d, 'run', '--no-record', '--json');
    expect(real.code).toBe(1);
    const use = (JSON.parse(real.stdout) as { stages: { name: string; status: string; error: string }[] }).stages.find(
      (s) => s.name === 'use',
    )!;
    expect(use).toMatchObject({ status: 'failed', error: "dependency missing: 'absent.txt' (repro.yaml:8)" });

    // Once `make` ran, the dry run still sees the missing dep (no upstream stage is due to run).
    const again = await repro(d, 'run', '--dry');
    expect(again.stdout).toContain("would fail: dependency missing: 'absent.txt'");
  });
});
