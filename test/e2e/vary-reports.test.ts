import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, git, read, repro, tempRepos } from '../helpers/repo.js';

/**
 * `verify --vary` in the Markdown and JUnit reports, rendered from a real run on a small pipeline:
 * a deterministic stage, one that writes `date` (the clock), one whose output depends on TZ. The
 * JUnit XML is parsed by Python's expat (xml.etree), which rejects anything not well-formed.
 */
const { repo, dirs } = tempRepos({ after: 'all' });

const PIPE = `version: 1
stages:
  pure:
    cmd: echo hello > pure.txt
    outs: [pure.txt]
  stamp:
    cmd: date > stamp.txt
    outs: [stamp.txt]
  zone:
    cmd: date -d @0 +%H > zone.txt
    outs: [zone.txt]
`;

interface XmlCase {
  suite: string;
  classname: string;
  name: string;
  failure: string | null;
  skipped: string | null;
  out: string | null;
}

/** The testcases of a JUnit file, through a real XML parser (throws on malformed XML). */
function parseJunit(path: string): { totals: Record<string, string>; suites: Record<string, string>[]; cases: XmlCase[] } {
  const py = `
import json, sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites', root.tag
cases = []
for s in root.findall('testsuite'):
    for c in s.findall('testcase'):
        f = c.find('failure'); k = c.find('skipped'); o = c.find('system-out')
        cases.append({'suite': s.get('name'), 'classname': c.get('classname'), 'name': c.get('name'),
            'failure': None if f is None else f.get('message'), 'skipped': None if k is None else k.get('message'),
            'out': None if o is None else o.text})
print(json.dumps({'totals': dict(root.attrib), 'suites': [dict(s.attrib) for s in root.findall('testsuite')], 'cases': cases}))
`;
  return JSON.parse(execFileSync('python3', ['-c', py, path]).toString());
}

let dir = '';
let md = '';
let junitPath = '';
let code = -1;

beforeAll(async () => {
  dir = await repo({ 'repro.yaml': PIPE, '.gitignore': '/.repro\n' });
  expect((await repro(dir, 'run', '--no-record')).code).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'run');
  // `date` prints seconds and verify follows the run at once: verify starts its reference in the
  // second after repro.lock was written, so the reference differs at the date, not a variation.
  const r = await repro(dir, 'verify', '--vary', 'seed,tz,umask', '--md', 'report.md', '--junit', 'junit.xml');
  code = r.code;
  md = await read(dir, 'report.md');
  junitPath = join(dir, 'junit.xml');
}, 60_000);

describe('verify --vary in the reports', () => {
  it('exits 0: an environment-dependent stage is a warning, as in the terminal', () => {
    expect(code).toBe(0);
  });

  it('markdown: the vary check, a row per stage with class, variations, first difference and hint', () => {
    expect(md).toContain('### ⚠️ repro verify passed with warnings');
    expect(md).toMatch(/^\| vary \| ⚠️ warn \| 3 variations \(seed, tz, umask\), 3 stages: 1 deterministic, 2 environment-dependent \|$/m);
    expect(md).toContain('| stage | class | changed by | first difference | hint |');
    expect(md).toMatch(/^\| `pure` \| ✅ deterministic \| — \| — \| — \|$/m);
    expect(md).toMatch(/^\| `zone` \| ⚠️ environment-dependent \| `tz` \| `zone.txt` line 1 `13` \| the time zone .*UTC.* \|$/m);
    expect(md).toMatch(/^\| `stamp` \| ⚠️ environment-dependent \| `time` \| `stamp.txt` line 1 `[^`]+` \| .*SOURCE_DATE_EPOCH.* \|$/m);
  });

  it('markdown: a table per variation for each stage that is not deterministic', () => {
    const zone = md.slice(md.indexOf('##### `zone`'));
    expect(zone).toMatch(/^##### `zone`: environment-dependent\n\nrepro\.yaml has it deterministic/m);
    expect(zone).toMatch(/^\| `seed` \| .+ \| same \| — \| — \|$/m);
    expect(zone).toMatch(/^\| `tz` \| TZ=RPV-13:45 \| differs \| `zone.txt` line 1 `13` \| .*UTC.* \|$/m);
    expect(zone).toMatch(/^\| `umask` \| .+ \| same \| — \| — \|$/m);
    expect(md).toContain('The reference re-run (everything as recorded) already differs from repro.lock: `stamp.txt` line 1');
    expect(md).not.toContain('##### `pure`');
    // no temp paths or durations: the same run renders the same comment
    expect(md).not.toMatch(/repro-vary-|\/tmp\//);
  });

  it('junit: well-formed, a vary suite with a testcase per stage and variation; warnings pass in system-out', () => {
    const x = parseJunit(junitPath);
    const vary = x.cases.filter((c) => c.suite === 'vary');
    expect(vary.map((c) => c.name)).toEqual([
      'pure: reference',
      'pure: seed',
      'pure: tz',
      'pure: umask',
      'stamp: reference',
      'stamp: time',
      'zone: reference',
      'zone: seed',
      'zone: tz',
      'zone: umask',
    ]);
    expect(vary.every((c) => c.classname === 'repro.verify.vary' && c.failure === null)).toBe(true);
    const by = Object.fromEntries(vary.map((c) => [c.name, c]));
    expect(by['pure: tz']!.out).toBeNull();
    expect(by['zone: tz']!.out).toMatch(/^warning: differs \(TZ=RPV-13:45\): zone\.txt line 1 `13`\nhint: .*UTC/);
    expect(by['zone: umask']!.out).toBeNull();
    expect(by['stamp: reference']!.out).toMatch(/^warning: stamp: environment-dependent: differs when the time changes/);
    // every stage has a seed (0 by default): pure is the same under another one
    expect(by['pure: seed']).toMatchObject({ failure: null, skipped: null, out: null });
    const suite = x.suites.find((s) => s.name === 'vary')!;
    expect(suite.tests).toBe(String(vary.length));
    expect(suite.failures).toBe('0');
    expect(x.totals.failures).toBe('0');
  });

  it('junit: a stage that cannot be classified is a failure, and verify exits 1', async () => {
    const d = await repo({
      'repro.yaml': PIPE.replace('echo hello > pure.txt', 'cat in.txt > pure.txt'),
      'in.txt': 'a\n',
      '.gitignore': '/.repro\n',
    });
    expect((await repro(d, 'run', '--no-record')).code).toBe(0);
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'run');
    git(d, 'rm', '-q', 'in.txt'); // the reference re-run of pure now fails: no input
    const r = await repro(d, 'verify', '--vary', 'tz', 'pure', '--md', 'report.md', '--junit', 'junit.xml');
    expect(r.code).toBe(1);
    const x = parseJunit(join(d, 'junit.xml'));
    const pure = x.cases.filter((c) => c.suite === 'vary');
    expect(pure.map((c) => [c.name, c.failure !== null])).toEqual([['pure: reference', true]]);
    expect(pure[0]!.failure).toMatch(/^pure: not classified: /);
    expect(x.suites.find((s) => s.name === 'vary')!.failures).toBe('1');
    const m = await read(d, 'report.md');
    expect(m).toContain('### ❌ repro verify failed');
    expect(m).toMatch(/^\| `pure` \| ❌ not classified \| — \| .+ \| — \|$/m);
  });

  it('the GitHub Action passes its vary input to verify, and the job summary shows the vary table', () => {
    // The action's entry point as the runner starts it, with the built repro on PATH (install: none).
    const tmp = mkdtempSync(join(tmpdir(), 'repro-action-'));
    dirs.push(tmp);
    writeFileSync(join(tmp, 'repro'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(tmp, 'repro'), 0o755);
    const summary = join(tmp, 'summary.md');
    writeFileSync(summary, '');
    const r = spawnSync(process.execPath, [join(ROOT, 'action', 'main.mjs')], {
      env: {
        ...process.env,
        PATH: `${tmp}:${process.env.PATH}`,
        GITHUB_WORKSPACE: dir,
        GITHUB_STEP_SUMMARY: summary,
        INPUT_INSTALL: 'none',
        INPUT_BASE: '',
        INPUT_REMOTE: 'none',
        INPUT_COMMENT: 'false',
        INPUT_MD: 'action.md',
        INPUT_JUNIT: 'action.xml',
        INPUT_VARY: 'tz zone',
      },
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('$ repro verify --md action.md --junit action.xml --vary tz zone');
    const text = readFileSync(summary, 'utf8');
    expect(text).toMatch(/^\| vary \| ⚠️ warn \| 1 variation \(tz\), 1 stage: 1 environment-dependent \|$/m);
    expect(text).toMatch(/^\| `zone` \| ⚠️ environment-dependent \| `tz` \| `zone.txt` line 1 `13` \|/m);
  });
});
