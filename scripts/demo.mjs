#!/usr/bin/env node
// `npm run demo`: the whole loop on the built-in example, in a throw-away Git repository.
// Each step prints the command and what repro said. Exits non-zero when any step misbehaves.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '..', 'bin', 'repro.js');
const top = mkdtempSync(join(tmpdir(), 'repro-demo-'));
const dir = join(top, 'project');
const mate = join(top, 'teammate'); // a second clone, as a teammate or a CI runner has
mkdirSync(dir);
const keep = process.argv.includes('--keep');
const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' }).toString();
let step = 0;

function repro(args, { expect = [0], cwd = dir } = {}) {
  step += 1;
  process.stdout.write(`\n\x1b[1m${cwd === mate ? 'teammate' : ''}$ repro ${args.join(' ')}\x1b[0m\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, stdio: 'inherit' });
  if (!expect.includes(r.status)) {
    console.error(`demo: step ${step} 'repro ${args.join(' ')}' exited ${r.status}, expected ${expect.join(' or ')}`);
    process.exit(1);
  }
}
function sh(cmd, cwd = dir) {
  process.stdout.write(`\n\x1b[1m${cwd === mate ? 'teammate' : ''}$ ${cmd}\x1b[0m\n`);
  execFileSync('sh', ['-c', cmd], { cwd, stdio: 'inherit' });
}

try {
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'repro demo');
  git('config', 'user.email', 'demo@example.invalid');
  console.log(`demo repository: ${dir}`);
  repro(['init']);
  sh('git add -A && git commit -qm "pipeline from repro init" && echo committed');
  repro(['run']); // prepare, then train
  repro(['run']); // nothing to do
  sh('git add -A && git commit -qm "baseline" && echo committed');
  repro(['run', '-S', 'train.lr=0.05']); // a param change: only train reruns
  repro(['diff']); // HEAD against the workspace
  repro(['verify']); // the pull-request check: is repro.lock fresh?
  sh('git add -A && git commit -qm "lr 0.05" && echo committed');
  repro(['run', '-S', 'train.lr=0.5']); // back to the old value: restored from the run cache
  sh('rm -rf models && echo removed models/');
  repro(['checkout']);
  repro(['run', '--seeds', '42,43,44']); // one recorded run per seed
  repro(['diff', 'HEAD']); // lr 0.05 (one run) against lr 0.5 over three seeds
  repro(['verify', '--rerun', 'train']); // re-run train in an isolated copy and compare
  repro(['log', '--limit', '5']);
  repro(['dag']);
  if (!existsSync(join(dir, 'models', 'model.json'))) throw new Error('checkout did not restore models/model.json');
  // Sharing with a team: Git carries the pipeline, the lock and the metrics; a cache remote (here
  // a directory; s3://bucket/prefix works the same) carries the data.
  repro(['remote', 'add', '-d', 'team', join(top, 'team-cache')]);
  sh('git add -A && git commit -qm "team cache remote" && echo committed');
  repro(['push']);
  sh(`git clone -q ${dir} ${mate} && echo cloned`, top);
  repro(['pull'], { cwd: mate }); // the data the lock names, from the remote: nothing re-runs
  repro(['status'], { cwd: mate });
  repro(['verify'], { cwd: mate });
  if (!existsSync(join(mate, 'models', 'model.json'))) throw new Error('pull did not restore models/model.json in the clone');
  console.log('\ndemo: all steps behaved as expected');
} finally {
  if (keep) console.log(`kept ${top}`);
  else rmSync(top, { recursive: true, force: true });
}
